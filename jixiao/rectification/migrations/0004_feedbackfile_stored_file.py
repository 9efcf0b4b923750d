# FeedbackFile moves onto core.models.StoredFile (decision 0006): `size` becomes `size_bytes`, and the SHA-256 and
# 说明 columns are added (filled for the existing files by 0005). The files stay where they are.

import django.db.models.deletion
import jixiao.core.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('rectification', '0003_province_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name='feedbackfile',
            old_name='size',
            new_name='size_bytes',
        ),
        migrations.AlterField(
            model_name='feedbackfile',
            name='size_bytes',
            field=models.PositiveBigIntegerField(verbose_name='大小（字节）'),
        ),
        migrations.AddField(
            model_name='feedbackfile',
            name='sha256',
            field=models.CharField(default='', max_length=64, verbose_name='SHA-256'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='feedbackfile',
            name='note',
            field=models.CharField(blank=True, max_length=500, verbose_name='说明'),
        ),
        migrations.AlterField(
            model_name='feedbackfile',
            name='file',
            field=models.FileField(max_length=200, upload_to=jixiao.core.models.stored_file_path, verbose_name='文件'),
        ),
        migrations.AlterField(
            model_name='feedbackfile',
            name='uploaded_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人'),
        ),
    ]
