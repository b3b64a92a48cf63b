"""What the kiosk and the platform agree on: the clock, typed errors, identity numbers and
their masking, QR code formats (e-ID, signed pickup codes), reference-data schemas, the
slip document and the kiosk<->platform wire models.

Both sides import this package; it imports nothing of ours (an import-linter contract).
"""
