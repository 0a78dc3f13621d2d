"""Reports: validation records gathered into HTML, Markdown or JSON with plots."""
