"""Uploaded workbooks are parsed without XML entity expansion."""


def test_openpyxl_reads_uploads_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "install defusedxml (a declared dependency) so uploads are parsed safely"
