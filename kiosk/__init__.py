"""A touchscreen patient-education kiosk for ketamine clinics."""

__version__ = "1.0.0"
