# EngagementDeliverable moves onto core.models.StoredFile (decision 0006): the SHA-256 and 说明 columns are added
# (filled for the existing files by 0008). The files stay where they are.

import jixiao.core.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('experts', '0006_expert_personal_data_encrypted'),
    ]

    operations = [
        migrations.AddField(
            model_name='engagementdeliverable',
            name='note',
            field=models.CharField(blank=True, max_length=500, verbose_name='说明'),
        ),
        migrations.AddField(
            model_name='engagementdeliverable',
            name='sha256',
            field=models.CharField(default='', max_length=64, verbose_name='SHA-256'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='engagementdeliverable',
            name='file',
            field=models.FileField(max_length=200, upload_to=jixiao.core.models.stored_file_path, verbose_name='文件'),
        ),
    ]
