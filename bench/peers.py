"""The Python readers the benchmark compares crossfoot with: each loads the first sheet of
an xlsx file and visits every cell, as a script that checks a workbook would.

Usage: python peers.py python-calamine|openpyxl FILE
"""
import sys
import time


def python_calamine(path):
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    rows = book.get_sheet_by_index(0).to_python()
    return sum(1 for row in rows for value in row if value != "")


def openpyxl_read_only(path):
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    cells = sum(1 for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    book.close()
    return cells


def main():
    tool, path = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    cells = {"python-calamine": python_calamine, "openpyxl": openpyxl_read_only}[tool](path)
    print(f"{tool}: {cells} cells in {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
