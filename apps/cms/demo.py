"""cms's part of `manage.py demo` (core demodata/story.py): the plan's public page in four
languages, written by a translator agent (an L1 log with its prompt trace), and published."""

from __future__ import annotations

from apps.cms import services
from apps.cms.models import Page, PageStatus
from apps.core.demodata.story import PLAN_KEY, DemoStory

AFTER: tuple[str, ...] = ()
MODULE = "cms"
SLUG = PLAN_KEY
WORDS = {
    "en": (
        "The Hundred Books",
        "A hundred novels about the lighthouse towns of the North Sea, **one a season**.",
    ),
    "fr": (
        "Les Cent Livres",
        "Cent romans sur les villes-phares de la mer du Nord, **un par saison**.",
    ),
    "de": (
        "Die hundert Bücher",
        "Hundert Romane über die Leuchtturmstädte der Nordsee, **einer pro Jahreszeit**.",
    ),
    "lb": (
        "Déi honnert Bicher",
        "Honnert Romaner iwwer d'Leuchtturmstied vun der Nordsee, **ee pro Saison**.",
    ),
}


def fill(story: DemoStory) -> None:
    page = Page.objects.filter(slug=SLUG).first()
    if page is None:
        page = services.create_page(SLUG, author=story.author)
        story.count("CMS pages")
    written = set(page.translations.values_list("language", flat=True))
    for language, (title, body) in WORDS.items():
        if language not in written:
            services.save_translation(page, language, title, body)
    if page.status == PageStatus.DRAFT:  # an operator may have archived it since: kept so
        services.publish_page(page)
    story.log(
        MODULE,
        "page.translated",
        "page.translated",
        f"Translated the page '{SLUG}' into French, German and Luxembourgish",
        payload={"agent": "translator", "page": SLUG, "languages": list(WORDS)},
        prompt={
            "prompt_text": f"Translate into fr, de and lb: {WORDS['en'][1]}",
            "response_text": "\n".join(body for _, body in list(WORDS.values())[1:]),
            "token_count": 420,
            "execution_time_ms": 3100,
        },
    )


def real_data() -> dict[str, int]:
    return {"CMS pages": Page.objects.exclude(slug=SLUG).count()}
