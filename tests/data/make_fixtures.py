"""Write the real-shaped user tables of this folder from one synthetic panel (see README.md).

Run from the repository root: ``python tests/data/make_fixtures.py``.  Every file holds the
same numbers as ``clean_long.csv``; only the way a user's software writes them differs.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from itclusters import REGION_IDS, region_name

HERE = Path(__file__).resolve().parent
CODES = ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]
YEARS = [2015, 2017]
# plausible magnitudes, so that thousands separators occur (J_C, J_D) and small values too
LOW_HIGH = {"J_A": (0.5, 60), "J_B": (1, 900), "J_C": (5, 3000), "J_D": (2000, 15000),
            "J_E": (80, 130), "J_F": (0.1, 1.5)}
MISSING = ("atyrau", 2015, "J_C")  # one cell "not available", as in the article's Table 2


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(2015)
    index = pd.MultiIndex.from_product([list(REGION_IDS), YEARS], names=["region_id", "year"])
    table = pd.DataFrame({c: rng.uniform(*LOW_HIGH[c], size=len(index)).round(1) for c in CODES},
                         index=index)
    table.loc[MISSING[:2], MISSING[2]] = np.nan
    return table


def english(x: float) -> str:
    return "" if np.isnan(x) else f"{x:,.1f}"


def russian(x: float, missing: str = "-") -> str:
    return missing if np.isnan(x) else f"{x:,.1f}".replace(",", "\u00a0").replace(".", ",")


def german(x: float) -> str:
    return "" if np.isnan(x) else f"{x:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")


def plain(x: float) -> str:
    return "" if np.isnan(x) else f"{x:.1f}"


def long_text(table, names, fmt, sep, header=("region", "year")):
    lines = [sep.join([*header, *CODES])]
    for (rid, year), row in table.iterrows():
        cells = [names(rid), str(year), *(fmt(row[c]) for c in CODES)]
        lines.append(sep.join(f'"{c}"' if sep in c else c for c in cells))
    return "\r\n".join(lines) + "\r\n"


def write_all() -> None:
    table = panel()
    en = lambda r: region_name(r, "en")  # noqa: E731
    ru = lambda r: region_name(r, "ru")  # noqa: E731
    kk = lambda r: region_name(r, "kk")  # noqa: E731
    (HERE / "clean_long.csv").write_text(long_text(table, en, plain, ","), encoding="utf-8",
                                         newline="")
    # Russian-locale Excel "CSV (разделители - запятые)": ';', decimal comma, NBSP thousands
    (HERE / "russian_excel.csv").write_bytes(
        long_text(table, ru, russian, ";", ("Регион", "Год")).encode("cp1251"))
    # English Excel "CSV UTF-8": BOM, 1,234.5 (quoted)
    (HERE / "bom_utf8.csv").write_bytes(
        b"\xef\xbb\xbf" + long_text(table, en, english, ",").encode("utf-8"))
    # cp1251, ';', point decimals, Russian names with footnote marks, "…" for not available
    footnoted = lambda r: region_name(r, "ru") + (" 1)" if r in ("astana", "almaty_city") else "")  # noqa: E731
    text = long_text(table, footnoted, plain, ";", ("Область", "Год")).replace(";;", ";…;")
    (HERE / "cp1251.csv").write_bytes(text.encode("cp1251"))
    # Kazakh names, tab-separated, 1.234,5
    (HERE / "kazakh_names.tsv").write_text(long_text(table, kk, german, "\t", ("Өңір", "Жыл")),
                                           encoding="utf-8", newline="")
    write_bns_workbook(table)
    wide = HERE / "wide"
    wide.mkdir(exist_ok=True)
    for code in CODES:
        one = table[code].unstack("year")
        lines = [",".join(["region", *map(str, YEARS)])]
        lines += [",".join([en(rid), *(plain(one.loc[rid, y]) for y in YEARS)])
                  for rid in one.index]
        (wide / f"{code}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_corrupt(table)


def write_bns_workbook(table: pd.DataFrame) -> None:
    """Wide layout as the Bureau publishes it: one sheet per indicator, title, units, notes."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for code in CODES:
        sheet = book.create_sheet(code)
        sheet.append([f"Показатель {code} по регионам Республики Казахстан"])
        sheet.append([])
        sheet.append([None, *(f"{y}" + (" 1)" if y == YEARS[-1] else "") for y in YEARS)])
        sheet.append([None, *(["тыс. тенге"] * len(YEARS))])
        sheet.append(["Республика Казахстан", *([12345.6] * len(YEARS))])
        one = table[code].unstack("year")
        for i, rid in enumerate(REGION_IDS):
            name = region_name(rid, "ru") + (" 2)" if rid == "astana" else "")
            cells = []
            for y in YEARS:
                value = one.loc[rid, y]
                if np.isnan(value):
                    cells.append("х")
                elif i % 3 == 0:
                    cells.append(russian(value))  # typed as text, as in many BNS files
                else:
                    cells.append(float(value))
            sheet.append([name, *cells])
        sheet.append([])
        sheet.append(["1) Предварительные данные."])
        sheet.append(["2) С 2019 года - Нур-Султан."])
    about = book.create_sheet("Примечания")
    about.append(["Источник: синтетические данные для тестов"])
    book.save(HERE / "bns_wide.xlsx")


def write_corrupt(table: pd.DataFrame) -> None:
    folder = HERE / "corrupt"
    folder.mkdir(exist_ok=True)
    clean = (HERE / "clean_long.csv").read_text(encoding="utf-8").splitlines()

    def with_cell(name: str, row: int, column: int, value: str) -> None:
        lines = [line.split(",") for line in clean]
        lines[row - 1][column] = value
        (folder / name).write_text("\n".join(",".join(c) for c in lines) + "\n", encoding="utf-8")

    with_cell("unknown_region.csv", 4, 0, "Akmolla")
    with_cell("text_in_number.csv", 7, 4, "12.5 тыс")
    with_cell("infinite.csv", 9, 3, "inf")
    with_cell("year_negative.csv", 5, 1, "-5")
    with_cell("year_huge.csv", 6, 1, "1e22")
    with_cell("ambiguous_thousands.csv", 3, 5, '"7,013"')
    with_cell("negative.csv", 10, 2, "-3.5")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "header_only.csv").write_text(clean[0] + "\n", encoding="utf-8")
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (folder / "truncated.xlsx").write_bytes((HERE / "bns_wide.xlsx").read_bytes()[:3000])
    (folder / "not_really.xls").write_text("this is not a workbook\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "renamed_workbook.csv", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")


def write_kz20_2023() -> None:
    """A 2023 table on the 20 units of 2022 onwards, as the bureau's English tables are laid out:
    the national total first, then the units; one value in scientific notation (Ulytau's J_A)."""
    from itclusters.layouts import layout_units, unit_name

    rng = np.random.default_rng(2023)
    lines = [",".join(["region", "year", *CODES]),
             '"Republic of Kazakhstan, total",2023' + "," * len(CODES)]
    for unit in layout_units("kz20"):
        values = [f"{rng.uniform(*LOW_HIGH[c]):.1f}" for c in CODES]
        if unit == "ulytau":
            values[0] = "4.50E-04"
        lines.append(",".join([unit_name(unit), "2023", *values]))
    (HERE / "kz20_2023.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def long_rows(table: pd.DataFrame, years=None) -> list[list]:
    """The panel as workbook rows: header, then one typed row per region and year."""
    rows = [["region", "year", *CODES]]
    for (rid, year), row in table.iterrows():
        if years is None or year in years:
            rows.append([region_name(rid, "en"), int(year),
                         *(None if np.isnan(row[c]) else float(row[c]) for c in CODES)])
    return rows


def workbook(path: Path, sheets: dict, hidden=()) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)


def write_faults() -> None:
    """Files as people save them that a reader must not read out of place (tests/test_userdata_faults.py)."""
    table = panel()
    folder = HERE / "faults"
    folder.mkdir(exist_ok=True)
    clean = (HERE / "clean_long.csv").read_text(encoding="utf-8").splitlines()
    # Atyrau 2017 (row 9): J_A written with an unquoted decimal comma, one field too many
    lines = [line.split(",") for line in clean]
    assert lines[8][:2] == ["Atyrau", "2017"]
    lines[8][2] = lines[8][2].replace(".", ",")
    (folder / "decimal_comma_unquoted.csv").write_text(
        "\n".join(",".join(c) for c in lines) + "\n", encoding="utf-8")
    # Aktobe 2015 (row 4): J_E left out, J_F would fall under J_E
    lines = [line.split(",") for line in clean]
    assert lines[3][:2] == ["Aktobe", "2015"]
    del lines[3][6]
    (folder / "field_missing.csv").write_text(
        "\n".join(",".join(c) for c in lines) + "\n", encoding="utf-8")
    # "#N/A" as Excel writes a failed lookup into a CSV
    lines = [line.split(",") for line in clean]
    lines[3][4] = "#N/A"  # Aktobe 2015, J_C (row 4)
    (folder / "na_error_text.csv").write_text(
        "\n".join(",".join(c) for c in lines) + "\n", encoding="utf-8")
    # a hidden, stale sheet first: the same regions with the values reversed
    stale = table.copy()
    stale[:] = table.to_numpy()[::-1]
    workbook(folder / "hidden_stale_sheet.xlsx",
             {"old": long_rows(stale), "data": long_rows(table)}, hidden={"old"})
    # one sheet per year: two years
    workbook(folder / "yearly_sheets.xlsx",
             {str(y): long_rows(table, years={y}) for y in YEARS})
    # a revised copy beside the first: the same cells twice, one value differs
    revised = long_rows(table)
    revised[5][3] = 999.9
    workbook(folder / "revised_copy.xlsx", {"data": long_rows(table), "data (2)": revised})
    # a wide sheet of J_A beside a long table that holds J_A too
    wide = [["region", *YEARS]] + [[region_name(rid, "en"), *(float(table.loc[(rid, y), "J_A"])
                                                             for y in YEARS)]
                                   for rid in REGION_IDS]
    workbook(folder / "wide_beside_long.xlsx", {"data": long_rows(table), "J_A": wide})
    # Excel errors: #REF! in Akmola 2015 J_C (row 2, column E), #N/A in Almaty region 2017 J_D
    # (row 7, column F)
    rows = long_rows(table)
    rows[1][4] = "#REF!"
    rows[6][5] = "#N/A"
    workbook(folder / "excel_errors.xlsx", {"data": rows})
    # formulas saved by a script: no computed values (J_F = J_E / 100 in column H)
    rows = long_rows(table)
    for number, row in enumerate(rows[1:], start=2):
        row[7] = f"=G{number}/100"
    workbook(folder / "formulas_without_values.xlsx", {"data": rows})


if __name__ == "__main__":
    write_all()
    write_kz20_2023()
    write_faults()
