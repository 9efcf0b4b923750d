// 结果应用: the "select all" box of the proposal list (no inline JS under the CSP).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  const form = box.closest("form");
  if (!form) return;
  form.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`).forEach((item) => {
    item.checked = box.checked;
  });
});
