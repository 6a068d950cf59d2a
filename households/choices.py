"""Code lists of the household registry (DOMAIN.md section 3), as stored codes with Chinese labels.

The labels are the national form's own Chinese wording: they are data, not interface text, so
they are not translated. Code lists a province may extend (causes of poverty) are also rows of
CauseCode, seeded from CAUSES.
"""

from django.db import models

__all__ = [
    "AccessRoad",
    "CAUSES",
    "ChangeReason",
    "Education",
    "EntryState",
    "Ethnicity",
    "Fuel",
    "Gender",
    "Health",
    "HouseholdStatus",
    "HousingSafety",
    "IdType",
    "IdentificationStandard",
    "LaborSkill",
    "PoliticalStatus",
    "PovertyAttribute",
    "Relation",
    "RelocationMode",
    "ResettlementPlace",
    "ResettlementType",
    "SchoolStatus",
    "WorkStatus",
]


class IdentificationStandard(models.TextChoices):
    NATIONAL = "national", "国家标准"
    PROVINCIAL = "provincial", "省定标准"
    MUNICIPAL = "municipal", "市定标准"


class PovertyAttribute(models.TextChoices):
    GENERAL = "general", "一般贫困户"
    DIBAO = "dibao", "低保贫困户"
    TEKUN = "tekun", "特困供养贫困户"


class HouseholdStatus(models.TextChoices):
    """脱贫属性 and the procedures around it (DOMAIN.md section 5)."""

    APPLICANT = "applicant", "申请中"
    REGISTERED = "registered", "贫困户（未脱贫）"
    PRE_EXIT = "pre_exit", "预脱贫"
    EXITED = "exited", "已脱贫"
    RETURNED = "returned", "返贫"
    REMOVED = "removed", "剔除"
    CLOSED = "closed", "销户"


class EntryState(models.TextChoices):
    """Where the survey form stands: a clerk's draft, or submitted for review."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交审核"


CAUSES = [
    ("01", "因病"),
    ("02", "因残"),
    ("03", "因学"),
    ("04", "因灾"),
    ("05", "缺土地"),
    ("06", "缺水"),
    ("07", "缺技术"),
    ("08", "缺劳动力"),
    ("09", "缺资金"),
    ("10", "交通条件落后"),
    ("11", "自身发展动力不足"),
    ("99", "其他"),
]


class AccessRoad(models.TextChoices):
    DIRT = "01", "泥土路"
    GRAVEL = "02", "砂石路"
    CEMENT = "03", "水泥路"
    ASPHALT = "04", "沥青路"


class HousingSafety(models.TextChoices):
    SAFE = "01", "安全（A/B级）"
    DANGEROUS_C = "02", "危房C级"
    DANGEROUS_D = "03", "危房D级"


class Fuel(models.TextChoices):
    FIREWOOD = "01", "柴草"
    DUNG = "02", "干畜粪"
    COAL = "03", "煤炭"
    CLEAN = "04", "清洁能源"
    OTHER = "05", "其他"


class RelocationMode(models.TextChoices):
    WHOLE_VILLAGE = "01", "行政村整体"
    WHOLE_NATURAL_VILLAGE = "02", "自然村整体"
    INDIVIDUAL = "03", "个别搬迁"


class ResettlementType(models.TextChoices):
    CENTRALISED = "01", "集中"
    DISPERSED = "02", "分散"


class ResettlementPlace(models.TextChoices):
    COUNTY_SEAT = "01", "县城"
    TOWNSHIP = "02", "乡镇"
    OUTSIDE_COUNTY = "03", "县外"
    OUTSIDE_VILLAGE = "04", "村外"
    IN_VILLAGE = "05", "村内"


class Gender(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"
    UNSTATED = "9", "未说明"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    DISABILITY_CERT = "disability_cert", "残疾人证"


class Relation(models.TextChoices):
    HEAD = "01", "本人或户主"
    SPOUSE = "02", "配偶"
    SON = "03", "之子"
    DAUGHTER = "04", "之女"
    DAUGHTER_IN_LAW = "05", "之儿媳"
    SON_IN_LAW = "06", "之女婿"
    GRANDSON = "07", "之孙子"
    GRANDDAUGHTER = "08", "之孙女"
    DAUGHTERS_SON = "09", "之外孙子"
    DAUGHTERS_DAUGHTER = "10", "之外孙女"
    FATHER = "11", "之父"
    MOTHER = "12", "之母"
    FATHER_IN_LAW_WIFE = "13", "之岳父"
    MOTHER_IN_LAW_WIFE = "14", "之岳母"
    FATHER_IN_LAW_HUSBAND = "15", "之公公"
    MOTHER_IN_LAW_HUSBAND = "16", "之婆婆"
    GRANDFATHER = "17", "之祖父"
    GRANDMOTHER = "18", "之祖母"
    MATERNAL_GRANDFATHER = "19", "之外祖父"
    MATERNAL_GRANDMOTHER = "20", "之外祖母"
    OTHER = "99", "其他"


_ETHNIC = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族 "
    "傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 "
    "撒拉族 毛南族 "
    "仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 "
    "鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()

#: GB/T 3304: 01-56, 97 other, 98 foreign-born Chinese citizens
Ethnicity = models.TextChoices(
    "Ethnicity",
    [(f"E{n:02d}", (f"{n:02d}", name)) for n, name in enumerate(_ETHNIC, start=1)]
    + [("E97", ("97", "其他")), ("E98", ("98", "外国血统中国籍人士"))],
)


class PoliticalStatus(models.TextChoices):
    """GB/T 4762."""

    CPC_MEMBER = "01", "中共党员"
    CPC_PROBATIONARY = "02", "中共预备党员"
    CYL_MEMBER = "03", "共青团员"
    RCCK = "04", "民革党员"
    CDL = "05", "民盟盟员"
    CNDCA = "06", "民建会员"
    CAPD = "07", "民进会员"
    CPWDP = "08", "农工党党员"
    CZGP = "09", "致公党党员"
    JIUSAN = "10", "九三学社社员"
    TDSGL = "11", "台盟盟员"
    NON_PARTY = "12", "无党派人士"
    MASSES = "13", "群众"


class Education(models.TextChoices):
    ILLITERATE = "01", "文盲或半文盲"
    PRIMARY = "02", "小学"
    JUNIOR = "03", "初中"
    SENIOR = "04", "高中"
    COLLEGE = "05", "大专及以上"
    PRESCHOOL_CHILD = "06", "学龄前儿童"


class SchoolStatus(models.TextChoices):
    NOT_IN_SCHOOL = "01", "非在校生"
    PRESCHOOL = "02", "学前教育"
    PRIMARY = "03", "小学"
    GRADE_7 = "04", "七年级"
    GRADE_8 = "05", "八年级"
    GRADE_9 = "06", "九年级"
    SENIOR_1 = "07", "高中一年级"
    SENIOR_2 = "08", "高中二年级"
    SENIOR_3 = "09", "高中三年级"
    VOCATIONAL_1 = "10", "中职一年级"
    VOCATIONAL_2 = "11", "中职二年级"
    VOCATIONAL_3 = "12", "中职三年级"
    HIGHER_VOCATIONAL_1 = "13", "高职一年级"
    HIGHER_VOCATIONAL_2 = "14", "高职二年级"
    HIGHER_VOCATIONAL_3 = "15", "高职三年级"
    COLLEGE = "16", "大专及以上"


class Health(models.TextChoices):
    HEALTHY = "01", "健康"
    CHRONIC = "02", "长期慢性病"
    SERIOUS = "03", "患有大病"
    DISABLED = "04", "残疾"


class LaborSkill(models.TextChoices):
    ORDINARY = "01", "普通劳动力"
    SKILLED = "02", "技能劳动力"
    LOST = "03", "丧失劳动力"
    NONE = "04", "无劳动力"


class WorkStatus(models.TextChoices):
    IN_TOWNSHIP = "01", "乡（镇）内务工"
    IN_COUNTY = "02", "乡（镇）外县内务工"
    IN_PROVINCE = "03", "县外省内务工"
    OUTSIDE_PROVINCE = "04", "省外务工"
    OTHER = "05", "其他"


class ChangeReason(models.TextChoices):
    DEATH = "01", "死亡"
    MARRIED_OUT = "02", "嫁出"
    EMIGRATED = "03", "出国定居"
    IMPRISONED = "04", "判刑收监"
    MARRIED_IN = "05", "嫁入"
    NEWBORN = "06", "新生儿"
    OTHER_IN = "07", "其他转入"
    OTHER_OUT = "08", "其他转出"
