"""Importing deputies and handling units from Excel."""

import pytest

from deputies.models import Delegation, Deputy
from imports import excel
from units.models import Unit

from .factories import DelegationFactory, UnitFactory
from .test_pages import login
from .xlsx import confirm, latest_job, upload, workbook


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff_client(client, people):
    login(client, people.staff)
    return client


def deputy_row(**values) -> list:
    row = dict.fromkeys((c.key for c in excel.DEPUTIES.columns), "")
    row.update(term="市第13届", name="王芳", gender="女", delegation="第一代表团")
    row.update(values)
    return [row[c.key] for c in excel.DEPUTIES.columns]


def unit_row(**values) -> list:
    row = dict.fromkeys((c.key for c in excel.UNITS.columns), "")
    row.update(name="市住房和城乡建设局", system="政府")
    row.update(values)
    return [row[c.key] for c in excel.UNITS.columns]


def test_deputies_are_imported_with_new_delegations(staff_client, people):
    DelegationFactory(term=people.term, name="第一代表团")
    rows = [
        deputy_row(email="wf@example.org", identity_confidential="是"),
        deputy_row(name="陈刚", gender="男", delegation="第二代表团", is_active="否"),
    ]
    page = upload(staff_client, "deputies", workbook(excel.DEPUTIES, rows)).content.decode()
    assert "将导入 2 位代表" in page
    assert "将新建代表团:市第13届第二代表团" in page
    assert not Deputy.objects.filter(name="王芳").exists()

    page = confirm(staff_client, latest_job()).content.decode()

    assert "导入完成:代表 2,代表团 1" in page
    wang = Deputy.objects.get(name="王芳")
    assert (wang.gender, wang.delegation.name, wang.identity_confidential, wang.email) == (
        "F",
        "第一代表团",
        True,
        "wf@example.org",
    )
    chen = Deputy.objects.get(name="陈刚")
    assert (chen.delegation.name, chen.is_active) == ("第二代表团", False)
    assert Delegation.objects.filter(term=people.term).count() == 2


def test_deputy_errors_are_all_listed(staff_client, people):
    people.deputy.delegation = DelegationFactory(term=people.term, name="第一代表团")
    people.deputy.save()
    rows = [
        deputy_row(name="张伟"),  # already in the database
        deputy_row(gender="未知", email="not-an-email", is_active="可能"),
        deputy_row(),  # same as the row above
        deputy_row(term="", name=""),
    ]
    upload(staff_client, "deputies", workbook(excel.DEPUTIES, rows))

    assert [(e["row"], e["column"], e["message"]) for e in latest_job().errors] == [
        (2, "姓名", "市第13届第一代表团已有代表“张伟”"),
        (3, "性别", "“未知”不正确,应为:男、女"),
        (3, "电子邮箱", "“not-an-email”不是有效的电子邮箱"),
        (3, "在任", "“可能”应填写“是”或“否”"),
        (4, "姓名", "与第3行重复(市第13届第一代表团已有“王芳”)"),
        (5, "届次", "请填写届次"),
        (5, "姓名", "请填写姓名"),
    ]
    assert Deputy.objects.count() == 2


def test_units_are_imported_with_parents_from_the_file_or_the_database(staff_client, people):
    rows = [
        unit_row(name="市住建局城建科", parent="市住房和城乡建设局", is_active="否"),
        unit_row(short_name="住建局", contact_person="刘科长"),
        unit_row(name="市中级人民法院", system="法院", parent=people.unit.name),
    ]
    upload(staff_client, "units", workbook(excel.UNITS, rows))
    page = confirm(staff_client, latest_job()).content.decode()

    assert "导入完成:承办单位 3" in page
    section = Unit.objects.get(name="市住建局城建科")
    assert (section.parent.name, section.is_active) == ("市住房和城乡建设局", False)
    assert Unit.objects.get(name="市住房和城乡建设局").short_name == "住建局"
    court = Unit.objects.get(name="市中级人民法院")
    assert (court.system, court.parent) == ("court", people.unit)


def test_unit_errors_are_all_listed(staff_client, people):
    UnitFactory(name="市财政局")
    rows = [
        unit_row(name="市财政局"),
        unit_row(name="甲", parent="乙"),
        unit_row(name="乙", parent="甲"),
        unit_row(name="丙", parent="不存在的局", system="部队"),
        unit_row(name="丁" * 101),
    ]
    upload(staff_client, "units", workbook(excel.UNITS, rows))

    assert [(e["row"], e["column"], e["message"]) for e in latest_job().errors] == [
        (2, "名称", "已有名为“市财政局”的承办单位"),
        (3, "上级单位", "上级单位关系形成循环"),
        (4, "上级单位", "上级单位关系形成循环"),
        (5, "系统", "“部队”不正确,应为:政府、法院、检察院、人大机关、其他"),
        (5, "上级单位", "未找到上级单位“不存在的局”"),
        (6, "名称", "不能超过100个字(现有101个字)"),
    ]
    assert Unit.objects.count() == 3
