#!/usr/bin/python3
"""A WebKitGTK browser for WebKitWebDriver that keeps its profile on disk (scenario 7).

MiniBrowser in automation mode is ephemeral: IndexedDB, Cache Storage, the service worker and
cookies go with the process. This launcher is what WebKitWebDriver starts instead (as
``binary``, with ``--profile=DIR``): a web context whose website data lives in DIR, cookies
persisted there explicitly, automation allowed, and a window per web view the session asks
for. It runs under Debian's own python3, which has PyGObject (``gir1.2-webkit2-4.1``).
"""

import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

profile = next(a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--profile="))
manager = WebKit2.WebsiteDataManager(
    base_data_directory=profile + "/data", base_cache_directory=profile + "/cache"
)
context = WebKit2.WebContext(website_data_manager=manager)
context.set_automation_allowed(True)
# No HTTP disk cache, as MiniBrowser's ephemeral automation profile has none: with it, the
# first service worker sometimes never finished installing or never took control here.
context.set_cache_model(WebKit2.CacheModel.DOCUMENT_VIEWER)
cookies = manager.get_cookie_manager()
cookies.set_persistent_storage(profile + "/cookies.sqlite", WebKit2.CookiePersistentStorage.SQLITE)
cookies.set_accept_policy(WebKit2.CookieAcceptPolicy.NO_THIRD_PARTY)
windows = []


def create_view(session):
    view = WebKit2.WebView(web_context=context, is_controlled_by_automation=True)
    window = Gtk.Window()
    window.set_default_size(1024, 768)
    window.add(view)
    window.show_all()
    windows.append(window)
    view.connect("close", lambda _view: window.destroy())
    return view


def started(_context, session):
    info = WebKit2.ApplicationInfo()
    info.set_name("kexpwa-webkit-launcher")
    info.set_version(1, 0, 0)
    session.set_application_info(info)
    session.connect("create-web-view", create_view)


context.connect("automation-started", started)
Gtk.main()
