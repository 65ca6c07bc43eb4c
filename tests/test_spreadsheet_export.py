import ast
import io

import openpyxl
import pytest
from django.conf import settings

from people.models import Credit, Person
from people.spreadsheet.export import export_credits_csv, export_credits_xlsx
from tests.spreadsheets import csv_file, empty_the_database, page, run_import

pytestmark = pytest.mark.django_db


def test_export_writes_page_order_lf_and_no_bom(make_project):
    project = make_project()
    run_import(
        project,
        csv_file(
            "Research,Data,Zoe Adams,",
            'Research,,Cy Dee,"Overall lead, optimization lead"',
            "Research,Data,Łukasz Kondraciuk,",
            "Research,,Ann Beta,Lead",
            "Safety,,Eve Fox,Lead",
            "Research,Evals,Ann Beta,",
        ),
    )

    data = export_credits_csv(project).encode()

    expected = (
        "section,team,person,role\n"
        "Research,,Ann Beta,Lead\n"
        'Research,,Cy Dee,"Overall lead, optimization lead"\n'
        "Research,Data,Zoe Adams,\n"
        "Research,Data,Łukasz Kondraciuk,\n"
        "Research,Evals,Ann Beta,\n"
        "Safety,,Eve Fox,Lead\n"
    )
    assert data == expected.encode()


def test_export_has_a_sort_name_column_only_when_someone_has_one(make_project):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,"))
    without = export_credits_csv(project)
    Person.objects.filter(name="Cy Dee").update(sort_name="Aaa, Cy", sort_key="aaa, cy")

    with_sort_name = export_credits_csv(project)

    assert without == "section,team,person,role\nResearch,Data,Ann Beta,\nResearch,Data,Cy Dee,\n"
    assert with_sort_name == (
        "section,team,person,role,sort_name\n"
        'Research,Data,Cy Dee,,"Aaa, Cy"\n'
        "Research,Data,Ann Beta,,\n"
    )


def test_export_of_selected_roles(make_project):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,"))

    data = export_credits_csv(project, Credit.objects.filter(person__name="Cy Dee"))

    assert data == "section,team,person,role\nResearch,Data,Cy Dee,\n"


def test_export_then_import_into_an_empty_database_gives_the_same_page_and_bytes(
    gpt4v, make_project
):
    Person.objects.filter(name="Diogo Moitinho de Almeida").update(sort_name="Almeida, Diogo")
    exported = export_credits_csv(gpt4v)
    original = page(gpt4v)
    empty_the_database()
    project = make_project("GPT-4V", "gpt-4v", is_published=False)

    run_import(project, exported.encode())

    assert page(project) == original
    assert export_credits_csv(project) == exported
    assert exported.startswith("section,team,person,role,sort_name\n")


def test_the_export_does_not_depend_on_django_import_export():
    # The public credits.csv and `manage.py export_credits` work without the admin's library.
    imported = set()
    for module in ["people/spreadsheet/export.py", "people/spreadsheet/format.py"]:
        for node in ast.walk(ast.parse((settings.BASE_DIR / module).read_text())):
            if isinstance(node, ast.ImportFrom):
                imported.add(node.module.partition(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.partition(".")[0] for alias in node.names)

    assert "import_export" not in imported
    assert "people" in imported


@pytest.mark.parametrize(
    ("title", "sheet"),
    [
        ("Vision", "Vision"),
        ("A/B test: [draft] *why?* \\ notes", "A B test draft why notes"),
        ("GPT-4V(ision) technical work and authors", "GPT-4V(ision) technical work an"),
        ("'Quoted'", "Quoted"),
        ("[]:", "Credits"),
    ],
)
def test_the_xlsx_sheet_is_named_after_the_project_as_excel_allows(make_project, title, sheet):
    project = make_project(title, "p")

    workbook = openpyxl.load_workbook(io.BytesIO(export_credits_xlsx(project)))

    assert workbook.sheetnames == [sheet]
