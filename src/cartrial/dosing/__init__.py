"""Dosing: body surface area, renal function, lymphodepletion and cell doses, the calendar."""
