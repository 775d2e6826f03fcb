"""Demo data: the shared story `manage.py demo` tells (story.py) and that every module's own
`demo.py` writes its part of, one layer at a time; core only orders and runs the parts."""
