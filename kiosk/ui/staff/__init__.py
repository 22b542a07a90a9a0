"""The staff console: edit, preview, publish and undo content; settings; packs and backups. Behind the PIN."""
