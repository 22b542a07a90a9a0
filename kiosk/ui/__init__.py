"""Everything Qt: the patient screens, touch widgets, kiosk lockdown and the staff console."""
