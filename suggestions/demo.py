"""Deterministic demo data for the portal (`manage.py seed_demo`).

Everything is drawn from one `random.Random(seed)` against a fixed reference date, so a given
`--scale` and `--seed` give the same rows on every run and every machine. Suggestions live
through the process of DESIGN.md §3 as the workflow engine would take them — same states, same
audit events, same deadline history, deadlines from `suggestions.deadlines` — but the rows are
built in memory and written with `bulk_create`, chunk by chunk, so 100 000 suggestions take
minutes. Events that would fall after the reference date simply have not happened yet, which
is what leaves suggestions in every state.

A set of hand-planned "showcase" suggestions comes first, so that even a small scale holds every
state and every kind of request, and the demo accounts have something to look at.
"""

from __future__ import annotations

import logging
import random
from bisect import bisect_right
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, reset_queries, transaction
from django.db.models import Count

from deputies.models import Delegation, Deputy, Meeting, Term
from units.models import Unit

from . import deadlines
from .models import (
    Assignment,
    AuditEvent,
    Category,
    Contact,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    Opinion,
    ReassignmentRequest,
    Reply,
    RequestState,
    Suggestion,
    Verdict,
)

logger = logging.getLogger(__name__)

REFERENCE_DATE = date(2026, 11, 20)  # "today" of the demo timeline
START_DATE = date(2024, 12, 2)  # first suggestions between meetings
NEVER = date(2099, 12, 31)  # a planned event that has not happened by the reference date
TZ = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "portal-demo"
TERM_NUMBER = 13
TERM_NAME = "市第十三届人民代表大会"
BATCH_SIZE = 2000
CHUNK_SIZE = 2000  # suggestions simulated and written per round trip

S = Suggestion.Status
A = Assignment.State
R = Assignment.Role

CATEGORIES = ["财政经济", "城乡建设", "科教文卫", "行政司法", "农业与农村", "旅游", "环境资源保护"]
CATEGORY_WEIGHTS = [12, 28, 24, 12, 9, 5, 10]

DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "江滨区", "高新区", "临江县", "青山县"]
STREETS = ["和平", "新华", "建设", "人民", "解放", "胜利", "中山", "滨河", "东风", "光明", "长青"]

MEETINGS = [
    # number, name, first day, last day
    (3, "第三次会议", date(2025, 1, 12), date(2025, 1, 16)),
    (4, "第四次会议", date(2026, 1, 11), date(2026, 1, 15)),
]

# name, short name, system, code (for usernames)
UNITS = [
    ("市发展和改革委员会", "市发展改革委", "government", "fgw"),
    ("市教育局", "市教育局", "government", "jyj"),
    ("市科学技术局", "市科技局", "government", "kjj"),
    ("市工业和信息化局", "市工信局", "government", "gxj"),
    ("市公安局", "市公安局", "government", "gaj"),
    ("市民政局", "市民政局", "government", "mzj"),
    ("市司法局", "市司法局", "government", "sfj"),
    ("市财政局", "市财政局", "government", "czj"),
    ("市人力资源和社会保障局", "市人力社保局", "government", "rsj"),
    ("市自然资源和规划局", "市规划资源局", "government", "zrj"),
    ("市生态环境局", "市生态环境局", "government", "sthj"),
    ("市住房和城乡建设局", "市住建局", "government", "zjj"),
    ("市城市管理局", "市城管局", "government", "cgj"),
    ("市交通运输局", "市交通运输局", "government", "jtj"),
    ("市水务局", "市水务局", "government", "swj"),
    ("市农业农村局", "市农业农村局", "government", "nyj"),
    ("市商务局", "市商务局", "government", "swuj"),
    ("市文化和旅游局", "市文旅局", "government", "wlj"),
    ("市卫生健康委员会", "市卫生健康委", "government", "wjw"),
    ("市退役军人事务局", "市退役军人局", "government", "tyjr"),
    ("市应急管理局", "市应急局", "government", "yjj"),
    ("市市场监督管理局", "市市场监管局", "government", "scj"),
    ("市医疗保障局", "市医保局", "government", "ybj"),
    ("市体育局", "市体育局", "government", "tyj"),
    ("市数据局", "市数据局", "government", "sjj"),
    ("市地方金融管理局", "市金融局", "government", "jrj"),
    ("市中级人民法院", "市中院", "court", "zy"),
    ("市人民检察院", "市检察院", "procuratorate", "jcy"),
    ("市人大常委会办公厅", "市人大办公厅", "congress", "rdbgt"),
    ("国家税务总局市税务局", "市税务局", "other", "tax"),
    ("国网市供电公司", "市供电公司", "other", "gdgs"),
    ("市消防救援支队", "市消防救援支队", "other", "xfzd"),
]
DEMO_UNIT_CODE = "zjj"  # 城乡建设 is the largest category: the `unit` user has plenty to do

UNITS_BY_CATEGORY = {
    "财政经济": {
        "fgw": 5,
        "czj": 5,
        "swuj": 3,
        "gxj": 3,
        "scj": 2,
        "jrj": 2,
        "tax": 2,
        "sjj": 1,
        "rsj": 1,
    },
    "城乡建设": {"zjj": 8, "jtj": 6, "cgj": 4, "zrj": 3, "swj": 2, "gdgs": 1, "gaj": 1},
    "科教文卫": {"jyj": 6, "wjw": 6, "kjj": 2, "ybj": 2, "mzj": 2, "wlj": 1, "tyj": 1, "rsj": 1},
    "行政司法": {
        "gaj": 5,
        "sfj": 3,
        "zy": 3,
        "jcy": 2,
        "mzj": 2,
        "yjj": 2,
        "tyjr": 1,
        "xfzd": 1,
        "rdbgt": 1,
    },
    "农业与农村": {"nyj": 8, "swj": 2, "zrj": 2, "jtj": 1, "sthj": 1},
    "旅游": {"wlj": 8, "jtj": 2, "swuj": 1, "scj": 1},
    "环境资源保护": {"sthj": 8, "swj": 3, "zrj": 2, "cgj": 2, "nyj": 1},
}

TOPICS = {
    "财政经济": [
        "优化营商环境",
        "加大对中小微企业融资支持力度",
        "推动数字经济高质量发展",
        "促进民营经济发展壮大",
        "完善政府采购支持中小企业政策",
        "提升财政资金使用绩效",
        "扩大有效投资",
        "推动夜间经济发展",
        "完善社区商业网点布局",
        "加强政府债务风险防控",
        "推进税费优惠政策直达快享",
        "支持跨境电商发展",
        "降低企业物流成本",
        "推动制造业数字化转型",
        "促进消费扩容提质",
        "加强老字号品牌保护与振兴",
        "支持专精特新企业发展",
        "规范涉企收费",
    ],
    "城乡建设": [
        "加快推进老旧小区改造",
        "优化公交线路",
        "推进既有住宅加装电梯",
        "缓解中心城区停车难",
        "推进城市更新和历史街区保护",
        "完善城市排水防涝设施",
        "加快保障性租赁住房建设",
        "规范物业管理服务",
        "优化地铁站点公交接驳",
        "增设非机动车道",
        "整治背街小巷环境",
        "加快燃气老旧管网更新改造",
        "优化学校周边交通组织",
        "加强城市道路养护",
        "推进口袋公园建设",
        "完善新建小区配套设施",
        "加快新能源汽车充电设施建设",
        "规范共享单车停放管理",
        "治理交通拥堵节点",
        "推进海绵城市建设",
    ],
    "科教文卫": [
        "扩大普惠性学前教育资源",
        "加强中小学心理健康教育",
        "推进优质医疗资源下沉",
        "完善社区卫生服务中心建设",
        "加强基层医疗卫生人才队伍建设",
        "推动职业教育产教融合",
        "完善婴幼儿照护服务体系",
        "加强公共图书馆分馆建设",
        "推进全民健身设施建设",
        "提高医保报销便利度",
        "加强儿童青少年近视防控",
        "发展居家社区养老服务",
        "推进智慧医院建设",
        "加大科技创新人才引进力度",
        "加强非物质文化遗产保护传承",
        "建设社区嵌入式服务设施",
        "加强校园食品安全管理",
        "推进公办养老机构改革",
    ],
    "行政司法": [
        "加强基层社会治理",
        "深化政务服务一网通办改革",
        "加强未成年人司法保护",
        "完善多元化纠纷解决机制",
        "加强电信网络诈骗防范宣传",
        "加强退役军人服务保障",
        "完善公共法律服务体系",
        "加强安全生产监管",
        "推进诉源治理",
        "规范行政执法行为",
        "加强社区矫正工作",
        "提高执行案件办理效率",
        "加强高层住宅消防安全隐患整治",
        "加强电动自行车安全管理",
        "完善应急避难场所建设",
        "加强检察公益诉讼工作",
    ],
    "农业与农村": [
        "推进高标准农田建设",
        "加快农村人居环境整治",
        "支持家庭农场和农民合作社发展",
        "完善农村公路养护机制",
        "发展壮大村级集体经济",
        "推进农村供水保障工程",
        "加强农产品质量安全监管",
        "促进农村电商发展",
        "加快农业机械化发展",
        "加强乡村振兴人才队伍建设",
        "完善农业保险政策",
        "加强农田水利设施建设",
        "发展特色种养业",
    ],
    "旅游": [
        "推动文旅融合发展",
        "完善旅游景区交通配套",
        "打造特色乡村旅游线路",
        "提升旅游公共服务水平",
        "加强旅游市场秩序整治",
        "发展夜间文旅消费",
        "推进智慧景区建设",
        "开发利用红色旅游资源",
        "加强旅游厕所建设和管理",
        "支持民宿规范发展",
    ],
    "环境资源保护": [
        "加强大气污染联防联控",
        "推进河湖长制落实",
        "加强餐饮油烟污染治理",
        "推进生活垃圾分类",
        "加强噪声污染防治",
        "加强饮用水水源地保护",
        "推进建筑垃圾资源化利用",
        "加强工业园区环境监管",
        "推进城市绿道建设",
        "加强土壤污染防治",
        "推进节能降碳",
        "加强生物多样性保护",
        "治理城乡黑臭水体",
    ],
}
FURTHER_VERBS = ("加强", "完善", "推进", "优化", "规范", "提升", "加快")
PROBLEMS = [
    "统筹不够、投入不足",
    "标准不一、衔接不畅",
    "覆盖面不广、群众获得感不强",
    "监管不到位、长效机制尚未建立",
    "部门职责交叉、推进合力不足",
    "基层力量薄弱、专业人才缺乏",
]
MEASURES = [
    "加大资金投入,建立稳定的经费保障机制",
    "明确责任分工,建立部门协调联动机制",
    "加强督促检查,将落实情况纳入绩效考核",
    "广泛听取群众意见,提高决策的科学化水平",
    "借鉴先进地区经验,选择条件成熟的区域先行试点",
    "完善配套政策,细化实施办法",
    "加强宣传引导,营造全社会共同参与的良好氛围",
    "运用信息化手段,提升精细化管理水平",
    "建立定期评估机制,及时发现和解决突出问题",
]
ORDINALS = "一二三四五"

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
    "钱汤尹黎易常武乔贺赖龚文"
)
MALE_GIVEN = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "建国", "建华", "志强", "国庆",
    "海涛", "晓东", "立新", "文博", "振华", "俊杰", "宏伟", "永刚", "德明", "世杰", "浩然", "子豪",
    "光辉", "卫东", "红兵", "长江", "学军", "国栋", "鹏飞", "家豪", "正阳", "晨阳",
]  # fmt: skip
FEMALE_GIVEN = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "玲", "燕", "秀英", "桂兰", "晓燕", "丽华",
    "雪梅", "海燕", "文静", "慧敏", "春梅", "淑珍", "玉兰", "佳怡", "梦琪", "欣怡", "婉婷", "思雨",
    "丽娟", "红梅", "美玲", "雅琴", "晓红", "亚楠",
]  # fmt: skip
OCCUPATIONS = [
    "{d}人民医院院长",
    "{d}第一中学校长",
    "{d}实验小学教师",
    "{d}{s}街道党工委书记",
    "{d}{s}社区党委书记、居委会主任",
    "{d}{s}镇{v}村党支部书记、村委会主任",
    "{c}有限公司董事长",
    "{c}有限公司总经理",
    "{c}有限公司一线技术工人",
    "{d}人民政府副区长",
    "市律师协会副会长、{s}律师事务所主任",
    "市总工会副主席",
    "{d}妇幼保健院主任医师",
    "{d}农业技术推广中心高级农艺师",
    "市第二人民医院护士长",
    "{s}职业技术学院院长",
    "{d}{s}家庭农场负责人",
    "{c}有限公司工会主席",
]
COMPANIES = [
    "华信科技",
    "恒泰建设",
    "绿源农业",
    "安达物流",
    "宏远机械",
    "鑫盛食品",
    "博远教育",
    "康宁医药",
    "瑞丰纺织",
    "天成电子",
    "中铭新材料",
    "永安建工",
]
VILLAGES = ["桃园", "李家", "河口", "新庄", "柳湾", "石桥", "东坡", "高岭"]

REJECT_NOTES = {
    "personal": "所提为代表个人事务,已告知代表通过信访渠道反映",
    "letter": "系代转群众来信,已转有关部门按来信办理",
    "promotion": "内容为产品推介,不属于代表建议",
    "no_content": "未提出具体意见建议,已退回代表修改完善",
    "judicial": "所涉案件正在审理中,不宜作为代表建议交办",
    "other": "作为参阅件送有关部门研究参考",
}
REJECT_WEIGHTS = {
    "personal": 3,
    "letter": 3,
    "promotion": 1,
    "no_content": 2,
    "judicial": 1,
    "other": 2,
}
NOT_PUBLIC_REASONS = [
    "涉及个人隐私",
    "涉及工作秘密",
    "代表要求不予公开",
    "涉及正在研究的政策,暂不宜公开",
]
CONTACT_SUMMARIES = {
    "face": "与代表当面沟通,介绍了办理思路和工作进展,听取代表意见,代表对办理工作表示认可。",
    "phone": "电话联系代表,了解建议的具体情况和诉求,约定答复前再次沟通。",
    "forum": "召开座谈会,邀请代表和相关部门共同研究解决办法。",
    "visit": "陪同代表实地察看现场情况,现场研究解决措施。",
}
DISSATISFIED_REMARKS = [
    "答复内容较为笼统,未提出具体解决措施,请重新办理。",
    "办理前未与代表沟通,答复与实际情况不符。",
    "所反映问题至今未得到解决,希望加大工作力度。",
]
SATISFIED_REMARKS = ["感谢承办单位的认真办理。", "沟通及时,措施具体。", "希望继续跟踪落实。"]
EXTENSION_REASONS = [
    "该建议涉及多个部门,需协调论证,难以在规定期限内答复,已向代表说明情况。",
    "所提事项涉及规划调整,需开展专题调研,已向代表说明情况。",
    "需待上级政策出台后统筹研究,已向代表说明情况。",
]
WITHDRAW_DRAFT = "拟修改完善后另行提出。"
WITHDRAW_EARLY = "代表书面申请撤回:所提问题已在会后协调解决。"
WITHDRAW_LATE = "代表书面申请撤回:所反映问题已通过其他渠道解决。"

# Suggestions that leave the usual road, by cumulative share (the rest are handled).
FATES = [
    (0.010, "withdrawn_early"),
    (0.050, "rejected"),
    (0.070, "merged"),
    (0.076, "withdrawn_late"),
]
CHANNEL_WEIGHTS = {"session": 60, "recess": 25, "voice": 9, "express": 6}
RESULT_WEIGHTS = {"A": 80, "B": 12, "C": 6, "D": 2}
RESULT_VERDICTS = {  # satisfied, basically, dissatisfied by reply class
    "A": (85, 14, 1),
    "B": (55, 40, 5),
    "C": (30, 55, 15),
    "D": (20, 50, 30),
}
VERDICTS = (Verdict.SATISFIED.value, Verdict.BASICALLY.value, Verdict.DISSATISFIED.value)

# The `deputy` demo account's deputy (fixed so the README can name them).
DEMO_DEPUTY = {
    "name": "王建华",
    "gender": "M",
    "occupation": "东城区和平街道社区卫生服务中心主任",
    "phone": "13905710023",
}
STAFF_USERS = [("staff", "刘晓燕"), ("staff2", "周立新"), ("staff3", "马文静")]
LEADER_USERS = [("leader", "陈志刚"), ("leader2", "黄海涛"), ("leader3", "孙丽华")]


# --- presence check --------------------------------------------------------------------------


def demo_present() -> bool:
    """The demo data is in: its term and the `staff` account both exist."""
    return (
        Term.objects.filter(name=TERM_NAME).exists()
        and get_user_model().objects.filter(username="staff").exists()
    )


def conflicts() -> list[str]:
    """What in this database stops a clean seed (Chinese and English, for the command)."""
    problems = []
    if Term.objects.filter(number=TERM_NUMBER).exists():
        problems.append(f"第{TERM_NUMBER}届已存在 / term {TERM_NUMBER} already exists")
    current = Term.objects.filter(is_current=True).first()
    if current is not None:
        problems.append(f"已有本届“{current.name}” / another term is marked current")
    # An existing `admin` (say, from createsuperuser) is kept as it is and not seeded.
    problems += taken_usernames(["staff", "unit", "leader", "deputy"])
    return problems


def taken_usernames(names) -> list[str]:
    taken = sorted(
        get_user_model().objects.filter(username__in=names).values_list("username", flat=True)
    )
    return [f"用户名已被占用 / usernames taken: {', '.join(taken)}"] if taken else []


# --- plumbing --------------------------------------------------------------------------------


@contextmanager
def historical_timestamps(model_classes):
    """Let rows carry the dates of the demo timeline: auto_now/auto_now_add would stamp them
    all with the moment of seeding."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextmanager
def quiet_calendar_warnings():
    """The calculator warns once per deadline in a year without an official calendar; the
    seeder counts those itself and reports them once."""
    log = logging.getLogger(deadlines.__name__)
    old = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(old)


def _bulk(model, objs, **kwargs):
    if not objs:
        return objs
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE, **kwargs)
    if objs[0].pk is None or objs[-1].pk is None:  # pragma: no cover - backend guard
        raise RuntimeError(f"{model.__name__}: this database backend does not return bulk pks")
    return objs


@dataclass
class UnitInfo:
    obj: Unit
    code: str
    user: object
    head: str


@dataclass
class Plan:
    """One suggestion to simulate. `force` pins down choices for the showcase ones."""

    day: date
    draft: bool = False
    channel: str = "recess"
    meeting: Meeting | None = None
    force: dict = field(default_factory=dict)
    order: int = 0


class Event:
    """An audit event being planned; `row()` makes the AuditEvent once its objects have ids."""

    __slots__ = ("day", "seq", "suggestion", "actor", "action", "assignment", "from_state",
                 "to_state", "reason", "data", "rows", "at")  # fmt: skip

    def __init__(self, day, seq, suggestion, actor, action, asg, frm, to, reason, data, rows):
        self.day, self.seq, self.suggestion, self.actor = day, seq, suggestion, actor
        self.action, self.assignment, self.from_state, self.to_state = action, asg, frm, to
        self.reason, self.data, self.rows, self.at = reason, data, rows, None

    def row(self) -> AuditEvent:
        data = self.data
        if data:
            data = {k: (v.pk if isinstance(v, models.Model) else v) for k, v in data.items()}
        return AuditEvent(
            at=self.at,
            actor_id=self.actor.pk if self.actor is not None else None,
            action=self.action,
            suggestion_id=self.suggestion.pk,
            assignment_id=self.assignment.pk if self.assignment is not None else None,
            from_state=self.from_state,
            to_state=self.to_state,
            reason=self.reason,
            data=data or {},
        )


@dataclass
class Outcome:
    assignment: Assignment
    reply: Reply | None = None
    day: date | None = None


# --- the seeder ------------------------------------------------------------------------------


class DemoSeeder:
    def __init__(self, *, scale: int, seed: int):
        self.scale = scale
        self.rng = random.Random(seed)
        self.seq = 0
        self.number = 0
        self.fallback_deadlines = 0
        self._deadline_cache = {}
        self._workday_cache = {}
        self.targets = {}  # category id -> recent suggestions a later one may be merged into
        self._reset_buffers()

    # ----- setup -----

    def run(self) -> dict:
        models_with_stamps = [
            Suggestion,
            Assignment,
            DeadlineChange,
            Contact,
            Opinion,
            Reply,
            Feedback,
            ReassignmentRequest,
            ExtensionRequest,
            AuditEvent,
        ]
        with (
            transaction.atomic(),
            historical_timestamps(models_with_stamps),
            quiet_calendar_warnings(),
        ):
            self.calendar = deadlines.WorkCalendar.load()
            self.rules = {ch: deadlines.rules_for_channel(ch) for ch in CHANNEL_WEIGHTS}
            self.rules_dict = {ch: r.as_dict() for ch, r in self.rules.items()}
            self._reference_data()
            self._people()
            plans = self._plans()
            for start in range(0, len(plans), CHUNK_SIZE):
                for plan in plans[start : start + CHUNK_SIZE]:
                    self._suggestion(plan)
                self._flush()
        return self.summary()

    def _reference_data(self):
        rng = self.rng
        cats = {c.name: c for c in Category.objects.filter(name__in=CATEGORIES)}
        for order, name in enumerate(CATEGORIES, start=1):
            if name not in cats:
                cats[name] = Category.objects.create(name=name, order=order)
        self.categories = [cats[n] for n in CATEGORIES]
        self.category_cum = _cumulative(CATEGORY_WEIGHTS)

        self.term = Term.objects.create(
            number=TERM_NUMBER, name=TERM_NAME, start_date=date(2023, 1, 9), is_current=True
        )
        self.meetings = [
            Meeting.objects.create(
                term=self.term, number=n, name=name, start_date=first, end_date=last
            )
            for n, name, first, last in MEETINGS
        ]
        self.delegations = _bulk(
            Delegation, [Delegation(term=self.term, name=f"{d}代表团") for d in DISTRICTS]
        )

        existing = {u.name: u for u in Unit.objects.filter(name__in=[u[0] for u in UNITS])}
        new_units = []
        self.unit_rows = []
        for name, short, system, code in UNITS:
            unit = existing.get(name)
            if unit is None:
                unit = Unit(
                    name=name,
                    short_name=short,
                    system=system,
                    contact_person=self._name(rng.random() < 0.5)[0],
                    contact_phone=f"{rng.randint(6, 8)}{rng.randint(0, 9999999):07d}",
                )
                new_units.append(unit)
            self.unit_rows.append((unit, code))
        _bulk(Unit, new_units)

    def _name(self, male: bool, taken: set | None = None) -> tuple[str, str]:
        rng = self.rng
        for _ in range(50):
            given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
            name = rng.choice(SURNAMES) + given
            if taken is None or name not in taken:
                break
        if taken is not None:
            taken.add(name)
        return name, "M" if male else "F"

    def _phone(self) -> str:
        rng = self.rng
        prefix = rng.choice(["135", "136", "137", "138", "139", "158", "159", "186", "187", "188"])
        return f"{prefix}{rng.randint(0, 99999999):08d}"

    def _password(self, usable: bool) -> str:
        rng = self.rng
        salt = "".join(
            rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            for _ in range(22)
        )
        if usable:
            if not hasattr(self, "_demo_hash"):
                # One hash for every demo account (same password): a slow hasher costs once.
                self._demo_hash = make_password(DEMO_PASSWORD, salt=salt)
            return self._demo_hash
        return "!" + salt  # unusable, as set_unusable_password() writes it, but deterministic

    def _people(self):
        rng = self.rng
        User = get_user_model()
        joined = datetime.combine(date(2024, 11, 25), time(9, 0), tzinfo=TZ)
        users = []

        def user(username, name, usable=False, **flags):
            u = User(
                username=username,
                name=name,
                password=self._password(usable),
                date_joined=joined,
                is_active=True,
                **flags,
            )
            users.append(u)
            return u

        self.admin_kept = User.objects.filter(username="admin").exists()
        if not self.admin_kept:
            user("admin", "系统管理员", True, is_superuser=True, is_staff=True)
        self.staff_users = [
            user(
                username,
                name,
                username == "staff",
                is_committee_staff=True,
                is_staff=username == "staff",
                is_superuser=username == "staff",
            )
            for username, name in STAFF_USERS
        ]
        self.leaders = [
            user(username, name, username == "leader", is_leader=True)
            for username, name in LEADER_USERS
        ]
        self.units = {}
        for unit, code in self.unit_rows:
            head = self._name(rng.random() < 0.7)[0]
            demo = code == DEMO_UNIT_CODE
            u = user(
                "unit" if demo else f"unit_{code}",
                unit.contact_person or self._name(rng.random() < 0.5)[0],
                demo,
                is_unit_user=True,
                unit=unit,
                can_sign_replies=True,
            )
            self.units[code] = UnitInfo(unit, code, u, head)
        self.demo_unit = self.units[DEMO_UNIT_CODE]
        self.units_by_category = {}
        for cat in self.categories:
            weights = UNITS_BY_CATEGORY[cat.name]
            infos = [self.units[c] for c in weights]
            self.units_by_category[cat.pk] = (infos, _cumulative(list(weights.values())))
        self.all_units = list(self.units.values())

        # Deputies: a city congress has some hundreds; the demo one is fixed.
        count = max(40, min(700, self.scale // 3))
        taken = {DEMO_DEPUTY["name"]}
        deputies = []
        demo_user = user("deputy", DEMO_DEPUTY["name"], True, is_deputy=True)
        demo = Deputy(
            term=self.term,
            delegation=self.delegations[0],
            name=DEMO_DEPUTY["name"],
            gender=DEMO_DEPUTY["gender"],
            occupation=DEMO_DEPUTY["occupation"],
            group="东城区和平街道代表联络站",
            phone=DEMO_DEPUTY["phone"],
            address="东城区和平路18号",
            user=demo_user,
        )
        demo.district = DISTRICTS[0]
        deputies.append(demo)
        account_no = 0
        for i in range(count - 1):
            delegation = self.delegations[i % len(self.delegations)]
            district = DISTRICTS[i % len(DISTRICTS)]
            name, gender = self._name(rng.random() < 0.62, taken)
            street = rng.choice(STREETS)
            occupation = rng.choice(OCCUPATIONS).format(
                d=district, s=street, v=rng.choice(VILLAGES), c=rng.choice(COMPANIES)
            )
            account = None
            if rng.random() < 0.2:
                account_no += 1
                account = user(f"rd{account_no:04d}", name, False, is_deputy=True)
            deputy = Deputy(
                term=self.term,
                delegation=delegation,
                name=name,
                gender=gender,
                occupation=occupation,
                group=f"{district}{street}街道代表联络站",
                phone=self._phone(),
                address=f"{district}{street}路{rng.randint(1, 300)}号",
                identity_confidential=rng.random() < 0.02,
                user=account,
            )
            deputy.district = district
            deputies.append(deputy)
        taken_names = taken_usernames([u.username for u in users])
        if taken_names:
            raise DemoConflict("; ".join(taken_names))
        _bulk(User, users)
        _bulk(Deputy, deputies)
        self.demo_deputy = demo
        self.deputies = deputies
        self.deputy_cum = _cumulative([0.3 + rng.random() ** 3 * 4 for _ in deputies])
        self.account_deputies = [d for d in deputies if d.user is not None]
        self.by_delegation = {}
        for d in deputies:
            self.by_delegation.setdefault(d.delegation_id, []).append(d)
        self.user_count = len(users)

    # ----- the plan of suggestions -----

    def _plans(self) -> list[Plan]:
        rng = self.rng
        showcase = self._showcase()[: self.scale]
        plans = list(showcase)
        rest = self.scale - len(showcase)
        drafts = round(rest * 0.012)
        span = (REFERENCE_DATE - START_DATE).days
        for i in range(rest):
            if i < drafts:
                plans.append(Plan(day=REFERENCE_DATE - timedelta(rng.randint(0, 45)), draft=True))
                continue
            channel = _pick(rng, CHANNEL_WEIGHTS)
            if channel == "session":
                meeting = self.meetings[0] if rng.random() < 0.45 else self.meetings[1]
                day = meeting.start_date + timedelta(rng.randint(0, 4))
                plans.append(Plan(day=day, channel=channel, meeting=meeting))
            else:
                day = START_DATE + timedelta(rng.randint(0, span - 1))
                for m in self.meetings:  # 闭会期间: not while the congress sits
                    if m.start_date <= day <= m.end_date:
                        day = m.end_date + timedelta(rng.randint(1, 10))
                plans.append(Plan(day=self._wd(day), channel=channel))
        for order, plan in enumerate(plans):
            plan.order = order
            plan.day = min(plan.day, REFERENCE_DATE)
        plans.sort(key=lambda p: (p.day, p.order))  # numbers follow the order of submission
        return plans

    def _showcase(self) -> list[Plan]:
        """Hand-planned suggestions: every state, request and round at any scale, and work
        for each demo account."""
        ref = REFERENCE_DATE
        m3, m4 = self.meetings
        dep, U, L = "demo", "demo", self.leaders[0]

        def p(days_ago, channel="recess", **force):
            return Plan(day=self._wd(ref - timedelta(days_ago)), channel=channel, force=force)

        def session(meeting, **force):
            return Plan(
                day=meeting.start_date + timedelta(1),
                channel="session",
                meeting=meeting,
                force=force,
            )

        lead_u = [(U, "lead")]
        return [
            # the deputy's own: replied and waiting for their feedback, in handling, drafts
            p(100, deputy=dep, units=lead_u, plan={"reply": "ontime", "result": "A"},
              feedback=[None]),
            p(100, deputy=dep, units=[("jtj", "lead")], plan={"reply": "ontime", "result": "B"},
              feedback=[None]),
            p(30, deputy=dep, units=lead_u, plan={"accept": 2, "reply": "open"}),
            p(5, draft=True, deputy=dep),
            p(2, deputy=dep, stop="submitted"),
            session(m3, deputy=dep, units=lead_u,
                    plan={"reply": "ontime", "result": "A", "contacts": 2},
                    feedback=["satisfied"], close=True),
            session(m3, deputy=dep, units=[("jtj", "lead")],
                    plan={"reply": "ontime", "result": "C", "reply2": "ontime"},
                    feedback=["dissatisfied", "basically"], close=True),
            p(120, deputy=dep, units=lead_u,
              plan={"reply": "ontime", "result": "B", "reply2": "open", "fb_after": 20},
              feedback=["dissatisfied"]),
            p(40, deputy=dep, fate="withdrawn_early"),
            # the unit's inbox: to accept, overdue, extension and reassignment requests
            p(6, units=lead_u, plan={"accept": None}, deputy=dep, reg=1, asg=1),
            p(140, units=lead_u, plan={"reply": "open"}, deputy=dep),
            p(85, units=lead_u, plan={"reply": "late", "ext": "pending", "ext_before": 14}),
            p(100, units=lead_u, plan={"reply": "open", "ext": "approved", "ext_before": 10}),
            p(200, units=lead_u, plan={"reply": "late", "ext": "rejected", "result": "A"},
              feedback=["basically"]),
            p(150, units=lead_u, plan={"reassign": "approved", "reply": "ontime"},
              feedback=["satisfied"], close=True),
            p(160, units=lead_u, plan={"reassign": "rejected", "reply": "ontime"}),
            p(8, units=lead_u, plan={"reassign": "pending"}, reg=1, asg=1),
            p(70, units=[("jtj", "lead")], plan={"reassign": "pending"}, reg=40, asg=25),
            # key suggestions the leader supervises
            p(150, units=lead_u, key=L, plan={"reply": "open"}),
            session(m4, units=[(U, "lead"), ("cgj", "co")], key=L,
                    plan={"reply": "ontime", "result": "A", "contacts": 1},
                    feedback=["satisfied"], close=True),
            # co-handlers, split handling, every reply class, follow-up of a B reply
            session(m4, units=[("fgw", "lead"), ("czj", "co"), ("zrj", "co")],
                    plan={"reply": "ontime", "result": "A"}, feedback=["satisfied"], close=True),
            p(60, units=[(U, "split"), ("jtj", "split"), ("cgj", "split")],
              plan={"reply": "ontime"}),
            session(m4, units=[(U, "split"), ("swj", "split")], plan={"reply": "ontime"},
                    feedback=["satisfied", "satisfied"], close=True),
            session(m3, units=[("wjw", "lead")], plan={"reply": "ontime", "result": "D"},
                    feedback=["basically"], close=True),
            session(m3, units=lead_u, plan={"reply": "ontime", "result": "B", "followup": True},
                    feedback=["basically"], close=True),
            p(200, units=lead_u, plan={"reply": "ontime", "reply2": "open", "fb_after": 20},
              feedback=["dissatisfied"]),
            # the other ends of the road
            p(6, stop="registered"),
            p(60, fate="rejected"),
            p(50, fate="merged"),
            p(30, draft=True, fate="withdrawn_draft"),
            p(120, fate="withdrawn_late"),
        ]  # fmt: skip

    # ----- helpers -----

    def _wd(self, day: date) -> date:
        """The working day a unit or staff act on (the day itself or the next)."""
        if day >= NEVER:
            return day
        hit = self._workday_cache.get(day)
        if hit is None:
            hit = self._workday_cache[day] = self.calendar.next_workday(day)[0]
        return hit

    def _deadline(self, kind: str, start: date, channel: str, role: str = "lead"):
        key = (kind, start, channel, role == "co")
        hit = self._deadline_cache.get(key)
        if hit is None:
            rules = self.rules[channel]
            if kind == "reply":
                d = deadlines.reply_deadline(
                    assigned_on=start, rules=rules, role=role, calendar=self.calendar
                )
            elif kind == "rehandle":
                d = deadlines.rehandle_deadline(
                    started_on=start, rules=rules, calendar=self.calendar
                )
            else:
                d = deadlines.extension_cap(
                    round_started_on=start, rules=rules, calendar=self.calendar
                )
            hit = self._deadline_cache[key] = (d, d.explanation())
        if hit[0].fallback_years and kind != "cap":
            self.fallback_deadlines += 1
        return hit

    def _dt(self, day: date, previous: datetime | None) -> datetime:
        rng = self.rng
        if previous is not None and previous.date() >= day:
            later = previous + timedelta(minutes=rng.randint(1, 12))
            return later if later.date() == previous.date() else previous + timedelta(seconds=1)
        return datetime.combine(day, time(8, 30), tzinfo=TZ) + timedelta(
            minutes=rng.randint(0, 480)
        )

    def _ev(self, day, actor, action, *, asg=None, frm="", to="", reason="", data=None, rows=()):
        self.seq += 1
        self.events.append(
            Event(day, self.seq, self.s, actor, action, asg, frm, to, reason, data, rows)
        )

    def _status(self, day, actor, action, new, *, reason="", data=None, **fields):
        s = self.s
        old = s.status
        s.status = new
        s.version += 1
        for name, value in fields.items():
            setattr(s, name, value)
        self._ev(day, actor, action, frm=old, to=new, reason=reason, data=data)

    def _pick_deputy(self):
        return self.rng.choices(self.deputies, cum_weights=self.deputy_cum)[0]

    def _pick_unit(self, category, exclude=()):
        infos, cum = self.units_by_category[category.pk]
        for _ in range(20):
            info = self.rng.choices(infos, cum_weights=cum)[0]
            if info.code not in exclude:
                return info
        pool = [u for u in self.all_units if u.code not in exclude]
        return self.rng.choice(pool)

    def _unit(self, key) -> UnitInfo:
        return self.demo_unit if key == "demo" else self.units[key]

    def _title(self, category, deputy) -> tuple[str, str]:
        rng = self.rng
        topic = rng.choice(TOPICS[category.name])
        text = topic
        roll = rng.random()
        if roll < 0.2 and topic.startswith(FURTHER_VERBS):
            text = "进一步" + topic
        elif roll < 0.4:
            text = f"{deputy.district}{topic}"
        title = f"关于{text}的建议"
        measures = rng.sample(MEASURES, 3)
        content = (
            f"{topic}事关群众切身利益。近年来,我市在这方面做了大量工作,取得了一定成效,"
            f"但仍存在{rng.choice(PROBLEMS)}等问题。为此建议:"
            + ";".join(f"{ORDINALS[i]}是{m}" for i, m in enumerate(measures))
            + "。"
        )
        return title, content

    # ----- one suggestion -----

    def _suggestion(self, plan: Plan):
        rng, f = self.rng, plan.force
        self.events = []
        self.plan = plan
        self.withdrawing = False
        self.staff = rng.choice(self.staff_users[:1] * 2 + self.staff_users[1:])
        deputy = f.get("deputy")
        if deputy == "demo":
            deputy = self.demo_deputy
        elif deputy is None:
            deputy = (
                rng.choice(self.account_deputies)
                if plan.draft or f.get("draft")
                else self._pick_deputy()
            )
        draft = plan.draft or f.get("draft", False)
        fate = f.get("fate")
        if fate is None and not draft and not f:
            roll = rng.random()
            fate = next((name for limit, name in FATES if roll < limit), None)
        if draft and fate is None and not f and rng.random() < 0.15:
            fate = "withdrawn_draft"
        target = None
        category = self.categories[_index(rng, self.category_cum)]
        if "units" in f:  # the subject the (forced) first unit handles most
            code = self._unit(f["units"][0][0]).code
            category = max(self.categories, key=lambda c: UNITS_BY_CATEGORY[c.name].get(code, 0))
        if fate == "merged":
            pool = self.targets.get(category.pk) or next(
                (v for v in self.targets.values() if v), None
            )
            if pool:
                target = rng.choice(pool)
                category = target.category
            else:
                fate = None
        if target is not None:
            title, content = target.title, target.content
        else:
            title, content = self._title(category, deputy)

        s = self.s = Suggestion(
            term=self.term,
            meeting=plan.meeting,
            channel=plan.channel,
            category=category,
            title=title,
            content=content,
            lead_deputy=deputy,
            status=S.DRAFT,
            version=1,
        )
        if not draft and rng.random() < 0.35:
            pool = self.by_delegation[deputy.delegation_id]
            names = set()
            for _ in range(rng.randint(1, 5)):
                co = rng.choice(pool) if rng.random() < 0.8 else self._pick_deputy()
                if co is not deputy and co.pk not in names:
                    names.add(co.pk)
                    self.cosigners.append((s, co.pk))
        self.sugs.append(s)
        try:
            self._life(plan, deputy, draft, fate, target)
        finally:
            self._stamp()
        if s.status in (S.ASSIGNED, S.REPLIED, S.CLOSED):
            pool = self.targets.setdefault(category.pk, deque(maxlen=300))
            pool.append(s)

    def _life(self, plan, deputy, draft, fate, target):
        rng, f, s, staff = self.rng, plan.force, self.s, self.staff
        day = plan.day
        account = deputy.user
        if draft:
            s.created_by = account
            self._ev(day, account, "suggestion.create", to=S.DRAFT)
            if fate == "withdrawn_draft":
                w = day + timedelta(rng.randint(1, 10))
                if w <= REFERENCE_DATE:
                    self._status(
                        w,
                        account,
                        "suggestion.withdraw",
                        S.WITHDRAWN,
                        reason=WITHDRAW_DRAFT,
                        status_note=WITHDRAW_DRAFT,
                    )
            return

        self.number += 1
        s.number, s.submitted_on = self.number, day
        if account is not None and (f.get("deputy") == "demo" or rng.random() < 0.5):
            s.created_by = account
            start = max(day - timedelta(rng.randint(0, 6)), START_DATE - timedelta(20))
            self._ev(start, account, "suggestion.create", to=S.DRAFT)
            self._status(day, account, "suggestion.submit", S.SUBMITTED)
        else:
            s.created_by = staff
            s.status = S.SUBMITTED
            self._ev(day, staff, "suggestion.create", to=S.SUBMITTED)

        if fate == "withdrawn_early":
            w = day + timedelta(rng.randint(1, 6))
            if w <= REFERENCE_DATE:
                self._status(
                    w,
                    account or staff,
                    "suggestion.withdraw",
                    S.WITHDRAWN,
                    reason=WITHDRAW_EARLY,
                    status_note=WITHDRAW_EARLY,
                )
            return
        if f.get("stop") == "submitted":
            return

        if "reg" in f:
            r = self._wd(day + timedelta(f["reg"]))
        elif plan.channel == "session":
            r = self._wd(plan.meeting.end_date + timedelta(rng.randint(7, 30)))
        else:
            r = self._wd(day + timedelta(rng.randint(1, 4)))
        if r > REFERENCE_DATE:
            return
        if fate == "rejected":
            reason = _pick(rng, REJECT_WEIGHTS) if not f else "other"
            note = REJECT_NOTES[reason]
            label = Suggestion.RejectReason(reason).label
            self._status(
                r,
                staff,
                "suggestion.reject",
                S.REJECTED,
                reason=f"{label}:{note}",
                reject_reason=reason,
                status_note=note,
            )
            return
        if fate == "merged" and rng.random() < 0.5:
            self._merge(r, target)
            return
        self._status(r, staff, "suggestion.register", S.REGISTERED, registered_on=r)
        leader = f.get("key")
        if leader is None and not f and rng.random() < 0.05:
            leader = rng.choice(self.leaders[:1] * 2 + self.leaders[1:] + [None])
            s.is_key = True
        if leader is not None:
            s.is_key, s.supervisor = True, leader
        if s.is_key:
            s.version += 1
            self._ev(
                r,
                staff,
                "suggestion.mark_key",
                data={"supervisor": leader.display_name if leader else ""},
            )
        if fate == "merged":
            m = self._wd(r + timedelta(rng.randint(1, 10)))
            if m <= REFERENCE_DATE:
                self._merge(m, target)
            return
        if f.get("stop") == "registered":
            return

        if "asg" in f:
            a = self._wd(r + timedelta(f["asg"]))
        elif plan.channel == "session":
            a = self._wd(r + timedelta(rng.randint(3, 14)))
        else:
            a = self._wd(r + timedelta(rng.randint(0, 3)))
        if a > REFERENCE_DATE:
            return
        withdraw_on = None
        horizon = REFERENCE_DATE
        if fate == "withdrawn_late":
            w = self._wd(a + timedelta(rng.randint(5, 60)))
            if w <= REFERENCE_DATE:
                withdraw_on = horizon = w
        self.withdrawing = withdraw_on is not None
        self._handle(a, horizon, requests=not self.withdrawing)
        if withdraw_on is not None and s.status in (S.ASSIGNED, S.REPLIED):
            for asg in self.open_assignments():
                old = asg.state
                asg.state, asg.ended_on, asg.end_reason = A.ENDED, withdraw_on, "建议已撤回"
                self._ev(
                    withdraw_on,
                    staff,
                    "assignment.end",
                    asg=asg,
                    frm=old,
                    to=A.ENDED,
                    reason="建议已撤回",
                )
            self._status(
                withdraw_on,
                staff,
                "suggestion.withdraw",
                S.WITHDRAWN,
                reason=WITHDRAW_LATE,
                status_note=WITHDRAW_LATE,
            )

    def _merge(self, day, target):
        note = f"与{target.display_number}建议所提事项相同,并案办理"
        self._status(
            day,
            self.staff,
            "suggestion.merge",
            S.MERGED,
            reason=note,
            data={"into": target, "into_number": target.display_number},
            merged_into=target,
            status_note=note,
        )

    def open_assignments(self):
        return [a for a in self.s_assignments if a.state in (A.ASSIGNED, A.ACCEPTED)]

    # ----- handling -----

    def _new_assignment(self, info: UnitInfo, role: str, day: date, *, reason="", replaces=None):
        s = self.s
        (deadline, explanation) = self._deadline("reply", day, s.channel, role)
        asg = Assignment(
            suggestion=s,
            unit=info.obj,
            role=role,
            state=A.ASSIGNED,
            assigned_on=day,
            rules=self.rules_dict[s.channel],
            deadline=deadline.date,
            created_by=self.staff,
        )
        asg.info = info
        dc = DeadlineChange(
            assignment=asg,
            kind=DeadlineChange.Kind.INITIAL,
            effective_on=day,
            old_deadline=None,
            base_date=deadline.base_date,
            new_deadline=deadline.date,
            explanation=explanation,
            reason=reason,
            created_by=self.staff,
        )
        data = {"unit": info.obj.name, "role": role, "deadline": deadline.date.isoformat()}
        if replaces is not None:
            data["replaces"] = replaces
        self._ev(
            day, self.staff, "assignment.create", asg=asg, to=A.ASSIGNED, data=data, rows=[asg, dc]
        )
        self.assignments.append(asg)
        self.dchanges.append(dc)
        self.s_assignments.append(asg)
        self.s_units.add(info.code)
        return asg

    def _handle(self, a: date, horizon: date, *, requests: bool):
        rng, f, s = self.rng, self.plan.force, self.s
        self.s_assignments, self.s_units = [], set()
        if "units" in f:
            units = [(self._unit(k), role) for k, role in f["units"]]
        else:
            lead = self._pick_unit(s.category)
            roll = rng.random()
            if roll < 0.80:
                units = [(lead, R.LEAD)]
            elif roll < 0.92:
                units = [(lead, R.LEAD)]
                for _ in range(rng.randint(1, 2)):
                    units.append(
                        (self._pick_unit(s.category, exclude={u.code for u, _ in units}), R.CO)
                    )
            else:
                units = [(lead, R.SPLIT)]
                for _ in range(rng.randint(1, 2)):
                    units.append(
                        (self._pick_unit(s.category, exclude={u.code for u, _ in units}), R.SPLIT)
                    )
        created = [(self._new_assignment(info, role, a), role) for info, role in units]
        self._status(a, self.staff, "suggestion.assign", S.ASSIGNED)

        latest_opinion = None
        for asg, role in created:
            if role == R.CO:
                day = self._co(asg, horizon)
                latest_opinion = day if latest_opinion is None else max(latest_opinion, day)
        outcomes = []
        first = True
        for asg, role in created:
            if role != R.CO:
                plan = f.get("plan", {}) if first else {}
                first = False
                outcomes.append(self._lead(asg, plan, horizon, latest_opinion, requests))
        self._rounds(outcomes, horizon)

    def _accept_day(self, a: date, plan: dict) -> date:
        if "accept" in plan:
            return NEVER if plan["accept"] is None else self._wd(a + timedelta(plan["accept"]))
        rng = self.rng
        delay = rng.randint(0, 3) if rng.random() < 0.9 else rng.randint(4, 15)
        return self._wd(a + timedelta(delay))

    def _accept(self, asg, day):
        asg.state, asg.accepted_on = A.ACCEPTED, day
        self._ev(day, asg.info.user, "assignment.accept", asg=asg, frm=A.ASSIGNED, to=A.ACCEPTED)

    def _co(self, asg, horizon) -> date:
        rng = self.rng
        accept = self._accept_day(asg.assigned_on, {})
        if accept > horizon:
            return NEVER
        self._accept(asg, accept)
        if rng.random() < 0.85:
            day = self._wd(accept + timedelta(rng.randint(5, 25)))
        else:
            day = self._wd(asg.deadline + timedelta(rng.randint(1, 30)))
        if day > horizon:
            return NEVER
        opinion = Opinion(
            assignment=asg,
            text=f"{asg.info.obj.name}协办意见:同意主办单位的办理思路,我单位将在职责范围内"
            f"做好配合,{rng.choice(MEASURES)}。",
            sent_on=day,
            created_by=asg.info.user,
        )
        self.opinions.append(opinion)
        asg.state = A.REPLIED
        self._ev(
            day,
            asg.info.user,
            "opinion.send",
            asg=asg,
            frm=A.ACCEPTED,
            to=A.REPLIED,
            data={"opinion": opinion},
            rows=[opinion],
        )
        return day

    def _reply_day(self, start: date, deadline: date, kind: str, not_before: date) -> date:
        rng = self.rng
        if kind == "open":
            return NEVER
        if kind == "ontime":
            span = max(1, (deadline - start).days)
            day = self._wd(start + timedelta(max(1, round(span * rng.uniform(0.35, 1.0)))))
            day = min(day, deadline)
        elif kind == "late":
            day = self._wd(deadline + timedelta(rng.randint(1, 45)))
        else:
            day = self._wd(deadline + timedelta(rng.randint(46, 400)))
        if day <= not_before:
            day = self._wd(not_before + timedelta(1))
        return day

    def _lead(self, asg, plan, horizon, latest_opinion, requests) -> Outcome:
        rng, staff = self.rng, self.staff
        info = asg.info
        a = asg.assigned_on
        accept = self._accept_day(a, plan)
        accepted = False
        floor = accept  # nothing is replied before this day

        want = plan.get("reassign") if "reassign" in plan else None
        if want is None and not plan and requests and rng.random() < 0.03:
            want = "approved" if rng.random() < 0.55 else "rejected"
        if want and requests:
            window_end = deadlines.reassignment_window_end(
                assigned_on=a, rules=self.rules[self.s.channel]
            )
            req = min(self._wd(a + timedelta(rng.randint(1, 6))), window_end)
            if want == "pending":
                req = max(a, min(req, horizon))
            if req <= horizon:
                if accept <= req:
                    self._accept(asg, accept)
                    accepted = True
                suggested = self._pick_unit(self.s.category, exclude=self.s_units)
                rr = ReassignmentRequest(
                    assignment=asg,
                    reason=f"该建议所提事项主要属于{suggested.obj.name}职责范围,"
                    f"建议调整由{suggested.obj.name}主办。",
                    requested_on=req,
                    state=RequestState.PENDING,
                    requested_by=info.user,
                    suggested_unit=suggested.obj,
                )
                self.rrequests.append(rr)
                self._ev(
                    req,
                    info.user,
                    "reassignment.request",
                    asg=asg,
                    reason=rr.reason,
                    data={"request": rr, "suggested_unit": suggested.obj.name},
                    rows=[rr],
                )
                decided = self._wd(req + timedelta(rng.randint(1, 5)))
                if want == "pending" or decided > horizon:
                    if not accepted and accept <= horizon:
                        self._accept(asg, accept)
                    return Outcome(asg)
                rr.decided_by, rr.decided_on = staff, decided
                if want == "rejected":
                    rr.state = RequestState.REJECTED
                    rr.decision_note = "所提事项与你单位职责密切相关,请继续办理。"
                    self._ev(
                        decided,
                        staff,
                        "reassignment.reject",
                        asg=asg,
                        reason=rr.decision_note,
                        data={"request": rr},
                    )
                    floor = max(floor, decided)
                else:
                    if not accepted and accept < decided:
                        self._accept(asg, accept)
                    rr.state, rr.decision_note = RequestState.APPROVED, "同意调整。"
                    old = asg.state
                    asg.state, asg.ended_on, asg.end_reason = A.ENDED, decided, "调整承办单位"
                    self._ev(
                        decided,
                        staff,
                        "reassignment.approve",
                        asg=asg,
                        frm=old,
                        to=A.ENDED,
                        reason=rr.decision_note,
                        data={"request": rr, "new_unit": suggested.obj.name},
                    )
                    new = self._new_assignment(
                        suggested, asg.role, decided, reason="调整承办单位", replaces=asg
                    )
                    self.replaced.append((asg, new))
                    rest = {k: v for k, v in plan.items() if k != "reassign"}
                    rest.setdefault("reassigned", True)
                    return self._lead(new, rest, horizon, latest_opinion, False)

        if not accepted:
            if accept > horizon:
                return Outcome(asg)
            self._accept(asg, accept)

        deadline = asg.deadline
        kind = plan.get("reply") or _pick(rng, {"ontime": 80, "late": 12, "verylate": 8})
        not_before = floor if latest_opinion is None else max(floor, latest_opinion)
        reply_on = self._reply_day(a, deadline, kind, not_before)

        want = plan.get("ext") if "ext" in plan else None
        if want is None and not plan and requests:
            chance = 0.35 if kind in ("late", "verylate") else 0.02
            if rng.random() < chance:
                want = "approved" if rng.random() < 0.7 else "rejected"
        if want and requests:
            req = max(
                self._wd(deadline - timedelta(plan.get("ext_before", rng.randint(3, 20)))), accept
            )
            cap = self._deadline("cap", a, self.s.channel)[0]
            requested = min(deadline + timedelta(rng.randint(15, 75)), cap.date)
            if requested > deadline and req <= horizon:
                extended = deadlines.extended_deadline(
                    round_started_on=a,
                    current=deadline,
                    requested=requested,
                    rules=self.rules[self.s.channel],
                    calendar=self.calendar,
                )
                er = ExtensionRequest(
                    assignment=asg,
                    reason=rng.choice(EXTENSION_REASONS),
                    requested_on=req,
                    state=RequestState.PENDING,
                    requested_by=info.user,
                    requested_deadline=requested,
                    deputy_informed=True,
                )
                self.erequests.append(er)
                self._ev(
                    req,
                    info.user,
                    "extension.request",
                    asg=asg,
                    reason=er.reason,
                    data={"request": er, "requested_deadline": requested.isoformat()},
                    rows=[er],
                )
                decided = self._wd(req + timedelta(rng.randint(1, 6)))
                if want == "pending" or decided > horizon:
                    self._contacts(asg, accept, min(horizon, req))
                    return Outcome(asg)
                er.decided_by, er.decided_on = staff, decided
                if want == "approved":
                    er.state = RequestState.APPROVED
                    asg.deadline = extended.date
                    if extended.fallback_years:
                        self.fallback_deadlines += 1
                    dc = DeadlineChange(
                        assignment=asg,
                        kind=DeadlineChange.Kind.EXTENSION,
                        effective_on=decided,
                        old_deadline=deadline,
                        base_date=extended.base_date,
                        new_deadline=extended.date,
                        explanation=extended.explanation(),
                        reason=er.reason,
                        created_by=staff,
                    )
                    self.dchanges.append(dc)
                    self._ev(
                        decided,
                        staff,
                        "extension.approve",
                        asg=asg,
                        data={"request": er, "deadline": extended.date.isoformat()},
                        rows=[dc],
                    )
                    if "reply" not in plan:
                        kind = "ontime" if rng.random() < 0.85 else "late"
                    reply_on = self._reply_day(
                        decided, extended.date, kind, max(not_before, decided)
                    )
                else:
                    er.state = RequestState.REJECTED
                    er.decision_note = rng.choice(
                        ["理由不充分,请按期答复。", "申请延期期限过长,请抓紧办理。"]
                    )
                    self._ev(
                        decided,
                        staff,
                        "extension.reject",
                        asg=asg,
                        reason=er.decision_note,
                        data={"request": er, "deadline": deadline.isoformat()},
                    )
                    if reply_on <= decided:
                        reply_on = self._wd(decided + timedelta(rng.randint(1, 10)))

        self._contacts(asg, accept, min(horizon, reply_on - timedelta(1)), plan.get("contacts"))
        if reply_on > horizon:
            return Outcome(asg)
        reply = self._reply(asg, reply_on, plan.get("result"))
        return Outcome(asg, reply, reply_on)

    def _contacts(self, asg, start, end, count=None):
        rng = self.rng
        if end < start:
            return
        if count is None:
            if self.s.is_key:
                count = rng.randint(1, 2)
            else:
                count = 0 if rng.random() < 0.3 else (1 if rng.random() < 0.75 else 2)
        span = (end - start).days
        days = sorted(start + timedelta(rng.randint(0, span)) for _ in range(count))
        for i, day in enumerate(days):
            kind = (
                "face"
                if (i == 0 and self.s.is_key)
                else _pick(rng, {"face": 60, "phone": 20, "forum": 10, "visit": 10})
            )
            info = asg.info
            contact = Contact(
                assignment=asg,
                kind=kind,
                contacted_on=day,
                participants=f"{info.obj.contact_person or info.head}({info.obj.short_name}),"
                f"{self.s.lead_deputy.name}代表",
                summary=CONTACT_SUMMARIES[kind],
                created_by=info.user,
            )
            self.contacts.append(contact)
            self._ev(
                day,
                info.user,
                "contact.record",
                asg=asg,
                data={"contact": contact, "kind": kind, "date": day.isoformat()},
                rows=[contact],
            )

    def _reply(self, asg, day, result=None) -> Reply:
        rng, s = self.rng, self.s
        info = asg.info
        result = result or _pick(rng, RESULT_WEIGHTS)
        body = {
            "A": "已采纳您的建议并落实到位,相关措施已在全市推开。",
            "B": f"已将相关工作列入{day.year + (day.month > 9)}年工作计划,正在组织实施。",
            "C": "因受资金、用地等客观条件限制,目前暂不具备实施条件,我们将统筹考虑、逐步解决。",
            "D": "您的建议对改进工作具有参考价值,我们将认真研究吸收。",
        }[result]
        is_public = rng.random() < 0.85
        reply = Reply(
            assignment=asg,
            round=asg.round,
            text=f"{s.lead_deputy.name}代表:您提出的《{s.title}》收悉。我单位高度重视,"
            f"经认真研究,现答复如下:{body}感谢您对我市{s.category.name}工作的关心和支持。",
            result=result,
            signer=info.head,
            contact_person=info.obj.contact_person,
            contact_phone=info.obj.contact_phone,
            replied_on=day,
            is_public=is_public,
            not_public_reason="" if is_public else rng.choice(NOT_PUBLIC_REASONS),
            superseded=False,
            created_by=info.user,
        )
        self.replies.append(reply)
        asg.state = A.REPLIED
        self._ev(
            day,
            info.user,
            "reply.post",
            asg=asg,
            frm=A.ACCEPTED,
            to=A.REPLIED,
            data={"reply": reply, "result": result, "round": asg.round},
            rows=[reply],
        )
        return reply

    def _rounds(self, outcomes: list[Outcome], horizon: date):
        """Replied → feedback → (不满意: re-handling, a second reply) → closed; B follow-ups."""
        rng, f, s, staff = self.rng, self.plan.force, self.s, self.staff
        verdict_plan = list(f.get("feedback", []))
        round_no = 1
        while True:
            if any(o.reply is None for o in outcomes):
                return
            replied_on = max(o.day for o in outcomes)
            last = max(outcomes, key=lambda o: o.day)
            self._status(replied_on, last.assignment.info.user, "suggestion.replied", S.REPLIED)
            last_feedback = None  # feedback on the replies now in force
            forced = verdict_plan.pop(0) if verdict_plan else "random"
            if forced is None or (forced == "random" and rng.random() < 0.15):
                break  # no feedback (yet)
            given = replied_on + timedelta(
                self.plan.force.get("plan", {}).get("fb_after", rng.randint(5, 40))
                if round_no == 1
                else rng.randint(5, 30)
            )
            if given > horizon:
                break
            account = s.lead_deputy.user
            actor = account if account is not None and rng.random() < 0.35 else staff
            again = []
            for o in outcomes:
                reply = o.reply
                if hasattr(reply, "given_feedback"):
                    continue
                if forced != "random":
                    verdict = forced
                elif round_no == 1:
                    verdict = rng.choices(VERDICTS, weights=RESULT_VERDICTS[reply.result])[0]
                else:
                    verdict = VERDICTS[0] if rng.random() < 0.6 else VERDICTS[1]
                work = _work_verdict(rng, verdict)
                remarks = (
                    rng.choice(DISSATISFIED_REMARKS)
                    if verdict == Verdict.DISSATISFIED
                    else (rng.choice(SATISFIED_REMARKS) if rng.random() < 0.3 else "")
                )
                fb = Feedback(
                    reply=reply,
                    result_verdict=verdict,
                    work_verdict=work,
                    remarks=remarks,
                    given_on=given,
                    deputy=s.lead_deputy,
                    entered_by=actor,
                    on_behalf=actor is staff,
                )
                reply.given_feedback = fb
                self.feedbacks.append(fb)
                self._ev(
                    given,
                    actor,
                    "feedback.record",
                    asg=o.assignment,
                    data={
                        "feedback": fb,
                        "result": verdict,
                        "work": work,
                        "on_behalf": actor is staff,
                    },
                    rows=[fb],
                )
                if verdict == Verdict.DISSATISFIED:
                    again.append((o, remarks))
                last_feedback = (given, verdict)
            if not again or round_no > 1:
                break
            for o, remarks in again:
                self._rehandle(o.assignment, given, actor, remarks)
            self._status(given, actor, "suggestion.rehandle", S.ASSIGNED)
            round_no += 1
            for o, _ in again:
                o.reply, o.day = self._second_reply(o.assignment, given, horizon)

        self._close_and_follow_up(outcomes, last_feedback, horizon)

    def _rehandle(self, asg, started, actor, remarks):
        deadline, explanation = self._deadline("rehandle", started, self.s.channel)
        dc = DeadlineChange(
            assignment=asg,
            kind=DeadlineChange.Kind.REHANDLE,
            effective_on=started,
            old_deadline=asg.deadline,
            base_date=deadline.base_date,
            new_deadline=deadline.date,
            explanation=explanation,
            reason=remarks,
            created_by=actor,
        )
        self.dchanges.append(dc)
        asg.state, asg.round, asg.deadline = A.ACCEPTED, asg.round + 1, deadline.date
        self._ev(
            started,
            actor,
            "assignment.rehandle",
            asg=asg,
            frm=A.REPLIED,
            to=A.ACCEPTED,
            reason=remarks,
            data={"round": asg.round, "deadline": deadline.date.isoformat()},
            rows=[dc],
        )

    def _second_reply(self, asg, started, horizon):
        rng = self.rng
        plan = self.plan.force.get("plan", {})
        kind = plan.get("reply2") or ("ontime" if rng.random() < 0.85 else "late")
        day = self._reply_day(started, asg.deadline, kind, started)
        self._contacts(
            asg, started, min(horizon, day - timedelta(1)), 1 if rng.random() < 0.6 else 0
        )
        if day > horizon:
            return None, None
        return self._reply(asg, day, "A" if rng.random() < 0.7 else "B"), day

    def _close_and_follow_up(self, outcomes, last_feedback, horizon):
        rng, f, s, staff = self.rng, self.plan.force, self.s, self.staff
        if self.withdrawing:
            return  # withdrawn later: no closing, no follow-up
        if s.status == S.REPLIED:
            replied_on = max(o.day for o in outcomes)
            close_on = None
            if last_feedback is not None and last_feedback[1] != Verdict.DISSATISFIED:
                if f.get("close", not f and rng.random() < 0.92):
                    close_on = self._wd(last_feedback[0] + timedelta(rng.randint(2, 30)))
                    note = "代表对办理结果表示满意或基本满意"
            elif f.get("close", not f and rng.random() < 0.6):
                close_on = self._wd(replied_on + timedelta(rng.randint(45, 120)))
                note = "已全部答复,代表逾期未反馈意见,按程序办结"
            if close_on is not None and close_on <= REFERENCE_DATE:
                self._status(
                    close_on, staff, "suggestion.close", S.CLOSED, reason=note, closed_on=close_on
                )
        followup = f.get("plan", {}).get("followup")
        for o in outcomes:
            reply = o.reply
            if reply.result != "B":
                continue
            if not (followup or (not f and rng.random() < 0.3)):
                continue
            after = reply.given_feedback.given_on if hasattr(reply, "given_feedback") else o.day
            day = self._wd(after + timedelta(rng.randint(60, 300)))
            if day > REFERENCE_DATE:
                continue
            info = o.assignment.info
            new = Reply(
                assignment=o.assignment,
                round=reply.round,
                text=f"{s.lead_deputy.name}代表:关于您提出的《{s.title}》,我单位此前答复正在"
                "解决的事项现已办理完毕,相关措施已落实到位。特此跟踪答复。",
                result="A",
                signer=info.head,
                contact_person=reply.contact_person,
                contact_phone=reply.contact_phone,
                replied_on=day,
                is_public=reply.is_public,
                not_public_reason=reply.not_public_reason,
                created_by=info.user,
            )
            reply.superseded = True
            self.replies.append(new)
            self._ev(
                day,
                info.user,
                "reply.follow_up",
                asg=o.assignment,
                data={
                    "reply": new,
                    "replaces": reply,
                    "result": "A",
                    "previous_result": reply.result,
                },
                rows=[new],
            )

    # ----- timestamps and writing -----

    def _stamp(self):
        """Give the suggestion's events their times, in order, and the rows they made."""
        self.events.sort(key=lambda e: (e.day, e.seq))
        previous = None
        for event in self.events:
            previous = event.at = self._dt(event.day, previous)
            for row in event.rows:
                row.created_at = previous
            event.rows = ()
        s = self.s
        s.created_at = self.events[0].at
        s.updated_at = self.events[-1].at
        self.audit.extend(self.events)

    def _reset_buffers(self):
        self.sugs, self.cosigners, self.assignments, self.replaced = [], [], [], []
        self.dchanges, self.contacts, self.opinions, self.replies = [], [], [], []
        self.feedbacks, self.rrequests, self.erequests, self.audit = [], [], [], []

    def _flush(self):
        # Suggestions first; merged ones after the ones they point to (a check constraint
        # wants the target on insert).
        _bulk(Suggestion, [s for s in self.sugs if s.status != S.MERGED])
        _bulk(Suggestion, [s for s in self.sugs if s.status == S.MERGED])
        through = Suggestion.co_signers.through
        _bulk(through, [through(suggestion_id=s.pk, deputy_id=d) for s, d in self.cosigners])
        _bulk(Assignment, self.assignments)
        for old, new in self.replaced:
            old.replaced_by_id = new.pk
        if self.replaced:
            Assignment.objects.bulk_update(
                [old for old, _ in self.replaced], ["replaced_by"], batch_size=BATCH_SIZE
            )
        for model, rows in (
            (DeadlineChange, self.dchanges),
            (Contact, self.contacts),
            (Opinion, self.opinions),
            (Reply, self.replies),
            (Feedback, self.feedbacks),
            (ReassignmentRequest, self.rrequests),
            (ExtensionRequest, self.erequests),
        ):
            _bulk(model, rows)
        # A million audit events at --scale 100000: built only now, with plain ids, which
        # spares Django's related-object bookkeeping.
        self.audit.sort(key=lambda e: (e.at, e.seq))
        _bulk(AuditEvent, [e.row() for e in self.audit])
        self._reset_buffers()
        reset_queries()  # under DEBUG, Django would keep every bulk INSERT's SQL in memory

    # ----- summary -----

    def summary(self) -> dict:
        term = self.term
        sugs = Suggestion.objects.filter(term=term)
        asgs = Assignment.objects.filter(suggestion__term=term)
        by_status = dict(sugs.values_list("status").annotate(n=Count("id")))
        by_state = dict(asgs.values_list("state").annotate(n=Count("id")))
        by_result = dict(
            Reply.objects.filter(assignment__suggestion__term=term, superseded=False)
            .values_list("result")
            .annotate(n=Count("id"))
        )
        by_verdict = dict(
            Feedback.objects.filter(deputy__term=term)
            .values_list("result_verdict")
            .annotate(n=Count("id"))
        )
        overdue = asgs.filter(
            role__in=Assignment.ANSWERING_ROLES,
            state__in=[A.ASSIGNED, A.ACCEPTED],
            deadline__lt=REFERENCE_DATE,
        ).count()
        requests = {
            name: dict(
                model.objects.filter(assignment__suggestion__term=term)
                .values_list("state")
                .annotate(n=Count("id"))
            )
            for name, model in (
                ("reassignment", ReassignmentRequest),
                ("extension", ExtensionRequest),
            )
        }
        return {
            "suggestions": sugs.count(),
            "by_status": {s: by_status.get(s, 0) for s in S.values},
            "assignments": sum(by_state.values()),
            "by_state": {s: by_state.get(s, 0) for s in A.values},
            "overdue": overdue,
            "key": sugs.filter(is_key=True).count(),
            "replies": Reply.objects.filter(assignment__suggestion__term=term).count(),
            "by_result": {r: by_result.get(r, 0) for r in Reply.Result.values},
            "feedback": sum(by_verdict.values()),
            "by_verdict": {v: by_verdict.get(v, 0) for v in Verdict.values},
            "contacts": Contact.objects.filter(assignment__suggestion__term=term).count(),
            "requests": requests,
            "deadline_changes": dict(
                DeadlineChange.objects.filter(assignment__suggestion__term=term)
                .values_list("kind")
                .annotate(n=Count("id"))
            ),
            "events": AuditEvent.objects.filter(suggestion__term=term).count(),
            "deputies": Deputy.objects.filter(term=term).count(),
            "units": Unit.objects.count(),
            "users": self.user_count,
            "admin_kept": self.admin_kept,
            "calendar_fallback_deadlines": self.fallback_deadlines,
        }


class DemoConflict(Exception):
    """The database holds rows the demo would clash with."""


def seed(*, scale: int = 300, seed: int = 2026) -> dict:
    return DemoSeeder(scale=scale, seed=seed).run()


# --- small pure helpers ----------------------------------------------------------------------


def _cumulative(weights):
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _index(rng, cum) -> int:
    return bisect_right(cum, rng.random() * cum[-1])


def _pick(rng, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _work_verdict(rng, result_verdict: str) -> str:
    weights = {
        "satisfied": (90, 10, 0),
        "basically": (40, 55, 5),
        "dissatisfied": (20, 50, 30),
    }[str(result_verdict)]
    return rng.choices(VERDICTS, weights=weights)[0]


# --- the rules the data keeps ----------------------------------------------------------------


def problems(limit: int = 20) -> list[str]:
    """Every rule the demo data must keep that the database does not enforce by itself: the
    deadline history, replies behind every replied suggestion, the audit trail's state chains,
    numbering, dates. Returns at most `limit` descriptions; [] when all hold."""
    from collections import defaultdict

    term = Term.objects.get(name=TERM_NAME)
    out: list[str] = []

    def bad(message):
        if len(out) < limit:
            out.append(message)

    sugs = {
        row[0]: row
        for row in Suggestion.objects.filter(term=term).values_list(
            "id", "status", "number", "submitted_on", "registered_on", "closed_on"
        )
    }
    latest_deadline = {}
    for aid, new in (
        DeadlineChange.objects.filter(assignment__suggestion__term=term)
        .order_by("created_at", "id")
        .values_list("assignment_id", "new_deadline")
    ):
        latest_deadline[aid] = new
    in_force = {}
    for aid, rnd, day in Reply.objects.filter(
        assignment__suggestion__term=term, superseded=False
    ).values_list("assignment_id", "round", "replied_on"):
        if (aid, rnd) in in_force:
            bad(f"assignment {aid}: two replies in force for round {rnd}")
        in_force[aid, rnd] = day
    opinions = set(
        Opinion.objects.filter(assignment__suggestion__term=term).values_list(
            "assignment_id", flat=True
        )
    )
    by_suggestion = defaultdict(list)
    states = {}
    for aid, sid, role, state, rnd, deadline, assigned_on, accepted_on in Assignment.objects.filter(
        suggestion__term=term
    ).values_list(
        "id", "suggestion_id", "role", "state", "round", "deadline", "assigned_on", "accepted_on"
    ):
        by_suggestion[sid].append((aid, role, state, rnd))
        states[aid] = state
        if latest_deadline.get(aid) != deadline:
            bad(f"assignment {aid}: deadline {deadline} is not its latest deadline change")
        if assigned_on > REFERENCE_DATE or (accepted_on and accepted_on < assigned_on):
            bad(f"assignment {aid}: dates out of order")
        answered = (aid, rnd) in in_force if role != R.CO else aid in opinions
        if state == A.REPLIED and not answered:
            bad(f"assignment {aid}: replied without a reply or opinion")
        if state in (A.ASSIGNED, A.ACCEPTED) and role != R.CO and answered:
            bad(f"assignment {aid}: open but has a reply for round {rnd}")
    for sid, (_, status, _number, submitted_on, registered_on, closed_on) in sugs.items():
        answering = [a for a in by_suggestion[sid] if a[1] != R.CO and a[2] != A.ENDED]
        replied = [a for a in answering if (a[0], a[3]) in in_force]
        if status in (S.REPLIED, S.CLOSED) and (not answering or len(replied) != len(answering)):
            bad(f"suggestion {sid} ({status}): a lead or split assignment has no reply")
        if status == S.ASSIGNED and (not answering or len(replied) == len(answering)):
            bad(f"suggestion {sid} (assigned): nothing left to answer")
        if status in (S.DRAFT,) and by_suggestion[sid]:
            bad(f"suggestion {sid}: a draft with assignments")
        if registered_on and submitted_on and registered_on < submitted_on:
            bad(f"suggestion {sid}: registered before submission")
        if closed_on and closed_on > REFERENCE_DATE:
            bad(f"suggestion {sid}: closed in the future")
    numbers = sorted(row[2] for row in sugs.values() if row[2] is not None)
    if numbers != list(range(1, len(numbers) + 1)):
        bad("suggestion numbers are not 1..N")
    by_number = sorted((row[2], row[3]) for row in sugs.values() if row[2] is not None)
    if any(a[1] > b[1] for a, b in zip(by_number, by_number[1:], strict=False)):
        bad("suggestion numbers do not follow the order of submission")
    for model in (ReassignmentRequest, ExtensionRequest):
        for aid in model.objects.filter(
            assignment__suggestion__term=term, state=RequestState.PENDING
        ).values_list("assignment_id", flat=True):
            if states[aid] not in (A.ASSIGNED, A.ACCEPTED):
                bad(f"{model.__name__} pending on closed assignment {aid}")
    for fid, given, replied_on in Feedback.objects.filter(deputy__term=term).values_list(
        "id", "given_on", "reply__replied_on"
    ):
        if given < replied_on or given > REFERENCE_DATE:
            bad(f"feedback {fid}: given on {given}, reply of {replied_on}")
    for cid, day, assigned_on in Contact.objects.filter(
        assignment__suggestion__term=term
    ).values_list("id", "contacted_on", "assignment__assigned_on"):
        if day < assigned_on or day > REFERENCE_DATE:
            bad(f"contact {cid}: dated {day}, assignment of {assigned_on}")

    # The audit trail: each object's from/to states chain up to its current state.
    chain_s, chain_a = {}, {}
    last_day = datetime.combine(REFERENCE_DATE, time.max, tzinfo=TZ)
    for sid, aid, action, frm, to, at in (
        AuditEvent.objects.filter(suggestion__term=term)
        .order_by("at", "id")
        .values_list("suggestion_id", "assignment_id", "action", "from_state", "to_state", "at")
    ):
        if at > last_day:
            bad(f"event {action} of suggestion {sid} after the reference date")
        if not to:
            continue
        chain, key = (chain_a, aid) if aid else (chain_s, sid)
        if chain.get(key, "") != frm:
            bad(
                f"{action} on {'assignment' if aid else 'suggestion'} {key}: from {frm!r}, "
                f"but it was {chain.get(key, '')!r}"
            )
        chain[key] = to
    for sid, row in sugs.items():
        if chain_s.get(sid) != row[1]:
            bad(f"suggestion {sid}: events end in {chain_s.get(sid)!r}, status is {row[1]!r}")
    for aid, state in states.items():
        if chain_a.get(aid) != state:
            bad(f"assignment {aid}: events end in {chain_a.get(aid)!r}, state is {state!r}")
    return out
