"""The admin as COS's main UI: the admin site (module sidebar, permissions, the language
switcher) in `site.py`, and the module pages at /admin/cos/<code>/ in `pages.py`. Modules
register their own admins in their `admin.py`.
"""
