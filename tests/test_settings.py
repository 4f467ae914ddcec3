"""Edition settings: ``compendio init`` and ``settings.load``."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from compiler import settings
from compiler.errors import SettingsError


def test_init_creates_settings_and_folders_with_defaults(tmp_path):
    path = settings.init(tmp_path, "2026")
    assert path == tmp_path / "ediciones" / "2026.yaml"
    for folder in ("submissions/2026", "intake_templates/2026", "output/2026"):
        assert (tmp_path / folder).is_dir()
    ed = settings.load(tmp_path, "2026")
    assert ed.year == 2026
    assert (ed.period_from, ed.period_to) == (dt.date(2025, 6, 1), dt.date(2026, 6, 30))
    assert ed.period_to < ed.deadline < ed.document_date
    assert ed.contact["correo"] and "@" in ed.contact["correo"]
    pub = ed.publication
    assert pub["titulo"] == "Compendio General 2026"
    assert pub["creditos"] and pub["autoridades"] and pub["lugar"]
    assert any("{programas}" in p for p in pub["introduccion"])
    assert pub["cierre"]
    assert ed.sample is False
    assert ed.paths.templates == tmp_path / "intake_templates" / "2026"
    assert ed.paths.register == tmp_path / "output" / "2026" / "registro.json"


def test_settings_file_is_readable_spanish_yaml(tmp_path):
    text = settings.init(tmp_path, "2026").read_text(encoding="utf-8")
    assert text.startswith("#")
    assert "Secretaria de Gobernación" in text and "\\u" not in text  # plain UTF-8 staff can edit
    raw = yaml.safe_load(text)
    assert raw["periodo"] == {"desde": dt.date(2025, 6, 1), "hasta": dt.date(2026, 6, 30)}


def test_init_is_idempotent_and_never_overwrites_edits(tmp_path):
    path = settings.init(tmp_path, "2026")
    edited = path.read_text(encoding="utf-8").replace("2026-08-31", "2026-09-15")
    path.write_text(edited, encoding="utf-8")
    (tmp_path / "submissions" / "2026" / "a.xlsx").write_bytes(b"x")
    assert settings.init(tmp_path, "2026") == path
    assert path.read_text(encoding="utf-8") == edited
    assert (tmp_path / "submissions" / "2026" / "a.xlsx").read_bytes() == b"x"
    assert settings.load(tmp_path, "2026").deadline == dt.date(2026, 9, 15)
    assert list((tmp_path / "ediciones").iterdir()) == [path]  # no temp files left behind


def test_edition_that_is_not_a_year_needs_anio(tmp_path):
    with pytest.raises(SettingsError, match="--anio"):
        settings.init(tmp_path, "prueba")
    settings.init(tmp_path, "prueba", 2027, sample=True)
    ed = settings.load(tmp_path, "prueba")
    assert (ed.year, ed.sample, ed.period_from) == (2027, True, dt.date(2026, 6, 1))


@pytest.mark.parametrize("key", ["../fuera", "a/b", "", "-x"])
def test_edition_keys_that_would_escape_their_folder_are_refused(tmp_path, key):
    with pytest.raises(SettingsError, match="nombre de edición"):
        settings.init(tmp_path, key, 2026)
    assert not (tmp_path / "ediciones").exists()


def test_missing_settings_say_how_to_create_them(tmp_path):
    with pytest.raises(SettingsError, match="compendio init --edition 2030"):
        settings.load(tmp_path, "2030")


def test_broken_yaml_names_file_and_line(tmp_path):
    path = settings.init(tmp_path, "2026")
    path.write_text("anio: 2026\nperiodo:\n  desde: 2025-06-01\n hasta: [\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        settings.load(tmp_path, "2026")
    assert "2026.yaml" in str(err.value) and "línea" in str(err.value)


def test_bad_dates_and_reversed_period_are_explained(tmp_path):
    path = settings.init(tmp_path, "2026")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["fecha_limite"] = "31 de agosto"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match="fecha_limite"):
        settings.load(tmp_path, "2026")
    raw["fecha_limite"] = dt.date(2026, 8, 31)
    raw["periodo"] = {"desde": dt.date(2026, 7, 1), "hasta": dt.date(2026, 6, 30)}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SettingsError, match="periodo"):
        settings.load(tmp_path, "2026")


def _edit(path, section, **values):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.setdefault(section, {}).update(values)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_book_and_open_data_keys_are_checked_by_the_schema_with_their_line(tmp_path):
    path = settings.init(tmp_path, "2026")
    _edit(path, "publicacion", colofon=["{titulo} se editó en {lugar} el {fecha}, {dia}."], cuadros_de_cifras="a veces")
    _edit(path, "datos_abiertos", licencia=["CC-BY-4.0"])
    with pytest.raises(SettingsError) as err:
        settings.load(tmp_path, "2026")
    message = str(err.value)
    assert "«publicacion.colofon[1]» (línea" in message and "{dia}" in message
    assert "«publicacion.cuadros_de_cifras» (línea" in message and "«nunca»" in message
    assert "«datos_abiertos.licencia» (línea" in message


def test_default_settings_use_only_known_placeholders(tmp_path):
    """What «compendio init» writes loads again: every placeholder in the defaults is one the schema knows."""
    settings.init(tmp_path, "2026")
    ed = settings.load(tmp_path, "2026")
    assert any("{sitio}" in p for p in ed.publication["cierre"])
    assert any("{titulo}" in p for p in ed.publication["colofon"])


def test_every_placeholder_the_publication_fills_is_allowed_by_the_schema(tmp_path):
    path = settings.init(tmp_path, "2026")
    _edit(path, "publicacion", introduccion=["{programas} de {instituciones}: {instancias}, {estados}; {entidades}; "
                                             "{periodo}; {sitio}."])
    assert settings.load(tmp_path, "2026").publication["introduccion"]
