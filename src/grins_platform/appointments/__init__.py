"""Appointments: a job booked for a staff member or crew at a time, with its status."""
