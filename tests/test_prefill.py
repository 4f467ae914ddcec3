"""Templates pre-filled from the previous edition, and the check for results copied unchanged (issue 13)."""

from __future__ import annotations

import openpyxl
import pytest

from compiler import catalogs as cat, geometry as g, importer, informe, opendata, prefill, publication, reader, spec, template, validation
from tests.test_importer import SAMPLE
from tests.validation_support import CLEAN_FIELDS, edition


def first_year(root):
    """The first-year path: a published 2025 edition imported, then the 2026 templates pre-filled from it."""
    cats = cat.load()
    prev = importer.edition_for(root, "2025")
    result = importer.parse(SAMPLE.replace("2030", "2025"), cats, "muestra.txt")
    opendata.write([], prev, cats, data=importer.build(result, prev, cats, root / "muestra.txt"))
    ed = edition(root, "2026")
    written, kept, carried = prefill.generate(ed, cats, "2025")
    return root, ed, cats, written, carried


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return first_year(tmp_path_factory.mktemp("prefill"))


def _inm(written):
    return next(p for p in written if p.parent.name == "INM" and p.parent.parent.name == "apf")


def test_one_prefilled_workbook_per_previous_program_plus_templates_for_new_ones(world):
    root, ed, cats, written, carried = world
    assert carried == 3
    names = {p.relative_to(ed.paths.templates).as_posix() for p in written}
    assert "apf/INM.xlsx" in names and "apf/COMAR.xlsx" in names and f"plantilla-en-blanco-{ed.key}.xlsx" in names
    assert sum(1 for n in names if n.count("/") == 2) == 3


def test_prefilled_workbook_reads_back_with_reference_locked(world):
    root, ed, cats, written, _ = world
    path = _inm(written)
    sub = reader.read(path)
    assert sub.value("nombre_programa") == "MÓDULOS DE ORIENTACIÓN EN PUNTOS DE INTERNACIÓN"
    assert sub.value("institucion") == "Instituto Nacional de Migración"
    assert sub.value("objetivo_principal").startswith("3. ")
    assert sub.value("fuentes") == ["<https://www.ejemplo.gob.mx/modulos>"]
    assert sub.value("resultados") is None and sub.indicators == [] or all(i.get("total") is None for i in sub.indicators)
    wb = openpyxl.load_workbook(path)
    ref = wb[prefill.reference_sheet_name("2025")]
    assert ref.protection.sheet
    values = [c.value for row in ref.iter_rows() for c in row if c.value is not None]
    assert any("1,250 personas" in str(v) for v in values) and 700 in values
    assert wb[g.PROGRAMA][f"{g.PROGRAMA_INPUT_COL}{template.programa_layout()['resultados']}"].protection.locked is False
    report = validation.validate_file(path, ed, cats)
    wrong = {f.code for f in report.errors} - {"campo-obligatorio"}
    assert not wrong, report.findings  # only the inputs of the new period are missing


def _fill(path, ed, cifras=None, **fields):
    """What the agency types into a pre-filled workbook: every required input it left empty."""
    left_empty = [f for f in spec.PROGRAM_FIELDS if f.required and not reader.read(path).value(f.id)]
    answers = {f.id: CLEAN_FIELDS.get(f.id, f.example) for f in left_empty}
    wb = openpyxl.load_workbook(path)
    data = template.ProgramData(fields=answers | fields,
                                cifras=cifras or [{"indicador": "Personas orientadas", "unidad": "personas", "total": 1400,
                                                   "mujeres": 800, "hombres": 600}])
    template.fill(wb, data)
    return template.save(wb, ed.paths.submissions / path.name)


def test_a_filled_prefilled_workbook_is_accepted_and_published_with_the_comparison(world):
    root, ed, cats, written, _ = world
    out = _fill(_inm(written), ed, resultados="Se orientó a 1,400 personas en los cuatro módulos.",
                retos=["Cubrir los turnos nocturnos."])
    report = validation.validate_file(out, ed, cats)
    assert report.accepted, report.findings
    assert "resultados-sin-actualizar" not in {f.code for f in report.findings}
    pub = publication.build([report.submission], ed, cats)
    assert [p.name for p in pub.programs][0].startswith("MÓDULOS DE ORIENTACIÓN")
    analysis = informe.analyse(opendata.build([report.submission], ed, cats), ed, cats)
    assert analysis.yoy is not None and analysis.yoy.year == 2025
    assert len(analysis.yoy.continuing) == 1 and analysis.yoy.dropped == 2


def test_results_copied_from_last_year_are_flagged(world):
    root, ed, cats, written, _ = world
    copied = "Se orientó a 1,250 personas: 700 mujeres y 550 hombres, en total 1,250 personas."
    out = _fill(_inm(written), ed, resultados=copied, retos=["Cubrir los turnos nocturnos."])
    report = validation.validate_file(out, ed, cats)
    flagged = [f for f in report.findings if f.code == "resultados-sin-actualizar"]
    assert len(flagged) == 1 and flagged[0].severity == "advertencia" and "2025" in flagged[0].message
    assert flagged[0].ref == f"Programa!{g.PROGRAMA_INPUT_COL}{template.programa_layout()['resultados']}"
    assert report.accepted


def test_figures_identical_to_last_year_are_flagged(world):
    root, ed, cats, written, _ = world
    out = _fill(_inm(written), ed, resultados="Se orientó a personas en cuatro módulos durante el periodo.",
                retos=["Cubrir los turnos nocturnos."],
                cifras=[{"indicador": "Personas orientadas", "unidad": "personas", "total": 1250, "mujeres": 700,
                         "hombres": 550}])
    report = validation.validate_file(out, ed, cats)
    flagged = [f for f in report.findings if f.code == "resultados-sin-actualizar"]
    assert [f.message.split(" ")[:2] for f in flagged] == [["Las", "cifras"]]


def test_a_filled_prefilled_workbook_compiles_and_the_informe_compares_with_2025(tmp_path):
    """First year: import 2025, pre-fill 2026, the agency fills one workbook, «compile» publishes it."""
    import subprocess

    from click.testing import CliRunner

    from compiler.cli import main

    _, ed, _, written, _ = first_year(tmp_path)
    _fill(_inm(written), ed, resultados="Se orientó a 1,400 personas en los cuatro módulos.",
          retos=["Cubrir los turnos nocturnos."])
    run = CliRunner().invoke(main, ["compile", "--edition", "2026", "--raiz", str(tmp_path)])
    assert run.exit_code == 0, run.output
    text = lambda pdf: subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    book = text(ed.paths.output / "compendio-general-2026.pdf")
    assert "MÓDULOS DE ORIENTACIÓN EN PUNTOS DE INTERNACIÓN" in book and "1,400 personas" in book
    informe_text = " ".join(text(ed.paths.output / "informe-ejecutivo-2026.pdf").split())
    assert "Programas que continúan, nuevos y no informados de nuevo" in informe_text
    assert "Programas que continúan desde 2025" in informe_text


def test_templates_desde_for_one_institution_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from compiler.cli import main

    root, ed, _, _, _ = first_year(tmp_path)
    run = CliRunner().invoke(main, ["templates", "--edition", "2026", "--desde", "2025", "--institucion", "INM",
                                    "--sobrescribir", "--raiz", str(root)])
    assert run.exit_code == 0, run.output
    assert "Plantillas escritas" in run.output and "Traceback" not in run.output
