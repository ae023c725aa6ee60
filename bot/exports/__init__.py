"""Spreadsheet files: a `Sheet` (headers and typed rows, built by bot/services/exports.py)
turned into the bytes of an .xlsx (`xlsx.py`) or a .csv (`csvfile.py`). Telegram-free."""
