"""`{% signature_badge obj %}`: the SM2 signature of a submitted object, verified on every display (checklist G04)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from jixiao.core import signatures

register = template.Library()


@register.simple_tag
def signature_badge(obj: Any, purpose: str = "") -> SafeString | str:
    if obj is None or getattr(obj, "pk", None) is None:
        return ""
    result = signatures.verify(obj, purpose or None)
    if result.signature is None:
        return ""
    sig = result.signature
    signed_at = timezone.localtime(sig.signed_at)
    title = f"SM2签名 {sig.signer_name} {signed_at:%Y-%m-%d %H:%M:%S} SM3摘要 {sig.digest[:16]}…"
    css = "text-bg-success" if result.valid else "text-bg-danger"
    icon = "bi-patch-check" if result.valid else "bi-exclamation-octagon"
    return format_html(
        '<span class="badge {} signature-badge" title="{}" data-signature-valid="{}">'
        '<i class="bi {}" aria-hidden="true"></i> {}</span>',
        css,
        title,
        "1" if result.valid else "0",
        icon,
        result.label,
    )
