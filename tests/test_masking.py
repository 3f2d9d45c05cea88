"""Contact data in published text: every common written form masked, ordinary numbers kept."""

import pytest

from suggestions.masking import MASK, mask_contacts

from .factories import release_reply

MASKED = [
    # mobile numbers
    ("请致电13812345678咨询", "13812345678"),
    ("手机:138 1234 5678", "138 1234 5678"),
    ("手机 138-1234-5678。", "138-1234-5678"),
    ("联系 138.1234.5678", "138.1234.5678"),
    ("手机(138)1234-5678", "(138)1234-5678"),
    ("+86 138 1234 5678", "+86 138 1234 5678"),
    ("+86-13812345678", "+86-13812345678"),
    ("0086 13812345678", "0086 13812345678"),
    ("(+86)13812345678", "(+86)13812345678"),
    ("全角号码１３８１２３４５６７８请勿外传", "１３８１２３４５６７８"),
    ("全角分隔１３８－１２３４－５６７８", "１３８－１２３４－５６７８"),
    ("全角空格１３８　１２３４　５６７８", "１３８　１２３４　５６７８"),
    ("（＋８６）１３８１２３４５６７８", "（＋８６）１３８１２３４５６７８"),
    # landlines with an area code, and extensions
    ("电话0571-88886666", "0571-88886666"),
    ("电话:0571-8888 6666", "0571-8888 6666"),
    ("电话(010)12345678", "(010)12345678"),
    ("电话(010) 1234 5678", "(010) 1234 5678"),
    ("电话（０１０）１２３４５６７８", "（０１０）１２３４５６７８"),
    ("电话010—12345678", "010—12345678"),
    ("电话010–12345678", "010–12345678"),
    ("电话02012345678", "02012345678"),
    ("电话0571-88886666转8012", "0571-88886666转8012"),
    ("电话0571-88886666 ext. 12", "0571-88886666 ext. 12"),
    ("电话0571-88886666分机12", "0571-88886666分机12"),
    ("+86 571 8888 6666", "+86 571 8888 6666"),
    ("本地电话88886666", "88886666"),
    ("本地电话8888-6666", "8888-6666"),
    # e-mail addresses
    ("邮箱office@example.gov.cn", "office@example.gov.cn"),
    ("邮箱 a＠b.cn", "a＠b.cn"),
    ("邮箱ａ＠ｂ．ｃｎ", "ａ＠ｂ．ｃｎ"),
    ("邮箱 a@b。cn", "a@b。cn"),
    ("邮箱 zhang.san(at)163.com", "zhang.san(at)163.com"),
    ("邮箱 zhang.san [at] 163 [dot] com", "zhang.san [at] 163 [dot] com"),
    ("邮箱 zhang.san（at）163．com", "zhang.san（at）163．com"),
    ("mail zhangsan at qq.com please", "zhangsan at qq.com"),
    ("邮箱 li_si+news @ mail.example.org", "li_si+news @ mail.example.org"),
]

KEPT = [
    "2026年3月1日",
    "计划投资1500万元",
    "投资35000000元",
    "市住建提〔2026〕12号",
    "〔2026〕1234号文件",
    "第2026-1234号",
    "日期2026-03-01",
    "日期2026.03.01",
    "日期2026/03/01",
    "截至20260301",
    "2024-2026年",
    "2024-2026",
    "占比82.6%",
    "拨打12345市民热线",
    "共203件,交办201件",
    "面积12000000平方米",
    "建设里程1234.5678公里",
    "look at this",
    "身份证号330102199001011234",
]


@pytest.mark.parametrize(("text", "contact"), MASKED)
def test_contact_data_is_masked(text, contact):
    masked = mask_contacts(text)
    assert contact not in masked
    assert masked == text.replace(contact, MASK)


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_are_kept(text):
    assert mask_contacts(text) == text


def test_several_contacts_in_one_text_all_go():
    text = "请联系李科长,电话0571-8888 6666或１３８．１２３４．５６７８,邮箱li(at)example.cn。"
    assert mask_contacts(text) == f"请联系李科长,电话{MASK}或{MASK},邮箱{MASK}。"


def test_empty_text():
    assert mask_contacts("") == "" and mask_contacts(None) == ""


def test_the_public_page_shows_no_contact_data(client, people, journey):
    contacts = [
        "138.1234.5678",
        "１３８１２３４５６７８",
        "a＠b.cn",
        "(010)12345678",
        "0571-8888 6666转12",
        "zhang(at)example.gov.cn",
        "+86 139 8765 4321",
    ]
    _, assignment = journey.accepted(title="关于公交线路的建议(联系人手机13912345678)")
    release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text="已于2026年增设线路两条,投资1500万元。如有疑问请联系:" + ";".join(contacts),
        result="A",
        is_public=True,
    )
    page = client.get("/public/").content.decode()
    for contact in [*contacts, "13912345678"]:
        assert contact not in page, contact
    assert "已于2026年增设线路两条,投资1500万元。" in page
    assert "关于公交线路的建议" in page and MASK in page


def test_the_public_page_cannot_be_searched_for_a_phone_number(client, people, journey):
    _, assignment = journey.accepted(title="关于公交的建议")
    release_reply(
        actor=people.unit_user,
        assignment=assignment,
        text="请联系13812345678。",
        result="A",
        is_public=True,
    )
    _, other_assignment = journey.accepted(title="关于教育的建议")
    release_reply(
        actor=people.unit_user,
        assignment=other_assignment,
        text="已采纳。",
        result="A",
        is_public=True,
    )
    response = client.get("/public/", {"q": "138 1234 5678"})
    page = response.content.decode()
    # Refused, and the list is the unfiltered one: it tells nothing about the number.
    assert response.status_code == 200 and "不能按电话号码或电子邮箱查询" in page
    assert "关于公交的建议" in page and "关于教育的建议" in page
