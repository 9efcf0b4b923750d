"""National default templates of every document type (DOMAIN.md §2.5 “Documents”).

The wording of 整改通知书 follows the production system's steps and seed 004 (problems split point by point, an owner
and a deadline, a 问题整改报告); the other types exist in the seeds without a published template [U], so their
bodies are written as ordinary Chinese official documents: 称谓 (主送), 正文, 落款 and 成文日期. Each region's
performance section edits its own copy (copy-on-write) on the template page.
"""

from django.db import migrations

SIGN = "\n{issuer}\n{date}"

DEFAULTS = {
    "RECTIFICATION_NOTICE": (
        "关于{subject}问题限期整改的通知",
        "{recipient}：\n"
        "根据{year}年度预算绩效管理工作安排，我局对{project}进行了绩效管理检查（审核），发现以下问题：\n"
        "{problems}\n"
        "现将有关整改要求通知如下：\n"
        "{requirements}\n"
        "请你单位高度重视，逐项明确整改责任人和整改措施，于{deadline}前完成整改，并通过预算绩效管理信息系统"
        "报送问题整改报告及相关佐证材料。逾期未整改或整改不到位的，我局将按规定约谈并在安排以后年度预算时予以核减。\n"
        "特此通知。\n"
        "联系人及电话：{contact}" + SIGN,
    ),
    "INTERVIEW_SUMMONS": (
        "关于对{subject}进行约谈的通知",
        "{recipient}：\n"
        "{summary}\n"
        "经研究，决定对你单位主要负责人进行预算绩效管理约谈。现将有关事项通知如下：\n"
        "一、约谈时间：{time}\n"
        "二、约谈地点：{place}\n"
        "三、约谈事由：{problems}\n"
        "四、有关要求：请你单位主要负责人和分管负责人准时参加，并就问题原因、整改措施和完成时限作出书面说明，"
        "于{deadline}前报送我局。\n"
        "联系人及电话：{contact}" + SIGN,
    ),
    "REMINDER_LETTER": (
        "关于{subject}的提醒敦促函",
        "{recipient}：\n"
        "经核查，你单位存在以下情况：\n"
        "{problems}\n"
        "根据预算绩效管理有关规定，现予以提醒敦促。请你单位于{deadline}前{requirements}，"
        "并将办理情况反馈我局。逾期仍未办理的，我局将按规定进行约谈，并将有关情况纳入预算绩效管理工作考核。\n"
        "联系人及电话：{contact}" + SIGN,
    ),
    "OPINION_LETTER": (
        "关于{subject}的绩效管理意见书",
        "{recipient}：\n"
        "我局在{year}年度预算绩效管理工作中，对你单位绩效目标设置、项目库管理、绩效监控、项目自评等情况进行了审核，"
        "发现以下问题：\n"
        "{problems}\n"
        "整改建议：\n"
        "{requirements}\n"
        "请你单位认真研究，于{deadline}前将整改落实情况书面反馈我局。\n"
        "联系人及电话：{contact}" + SIGN,
    ),
    "EVAL_FEEDBACK": (
        "关于{project}绩效评价结果的反馈函",
        "{recipient}：\n"
        "根据{year}年度财政绩效评价工作安排，我局组织对{project}开展了绩效评价。现将评价结果反馈如下：\n"
        "评价得分{score}分，评价等级为“{grade}”。\n"
        "{result}\n"
        "评价发现的主要问题：\n"
        "{problems}\n"
        "请你单位根据评价结果，认真研究整改措施，于{deadline}前将整改情况反馈我局。评价结果将作为以后年度"
        "预算安排和政策调整的重要依据。" + SIGN,
    ),
    "CIRCULAR_RE_EVAL": (
        "关于{year}年度部门自评财政再评价结果的通报",
        "{recipient}：\n"
        "为提高部门绩效自评质量，我局对{year}年度部门（单位）项目支出绩效自评结果开展了财政再评价。现将有关情况通报如下：\n"
        "{content}\n"
        "请各部门（单位）对照再评价发现的问题认真整改，切实提高绩效自评质量。" + SIGN,
    ),
    "CIRCULAR_MONITORING": (
        "关于{year}年度预算绩效运行监控结果的通报",
        "{recipient}：\n"
        "根据预算绩效运行监控工作安排，我局对{year}年度预算项目绩效目标实现程度和预算执行进度开展了监控。"
        "现将监控结果通报如下：\n"
        "{content}\n"
        "请各部门（单位）针对监控发现的问题及时采取措施纠偏，确保绩效目标如期实现。" + SIGN,
    ),
    "CIRCULAR_KEY_EVAL": (
        "关于{year}年度财政重点绩效评价结果的通报",
        "{recipient}：\n"
        "根据{year}年度财政重点绩效评价工作安排，我局组织开展了财政重点绩效评价。现将评价结果通报如下：\n"
        "{content}\n"
        "请相关部门（单位）根据评价结果认真整改，评价结果将作为以后年度预算安排的重要依据。" + SIGN,
    ),
    "CIRCULAR_APPRAISAL": (
        "关于{year}年度预算绩效管理工作考核结果的通报",
        "{recipient}：\n"
        "根据{year}年度预算绩效管理工作考核安排，我局对各部门（单位）、乡镇（街道）预算绩效管理工作进行了考核。"
        "现将考核结果通报如下：\n"
        "{content}\n"
        "希望受到表扬的单位再接再厉；对被约谈的单位，请认真分析原因，限期整改。" + SIGN,
    ),
    "ANNUAL_REPORT": (
        "{year}年度预算绩效管理工作总结",
        "{recipient}：\n"
        "现将我县{year}年度预算绩效管理工作开展情况报告如下：\n"
        "{content}" + SIGN,
    ),
}


def install(apps, schema_editor):
    Template = apps.get_model("documents", "DocumentTemplate")
    for doc_type, (title, body) in DEFAULTS.items():
        Template.objects.update_or_create(
            doc_type=doc_type, region=None, defaults={"title_pattern": title, "body": body, "is_active": True}
        )


def remove(apps, schema_editor):
    apps.get_model("documents", "DocumentTemplate").objects.filter(region=None).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
