"""cc's part of `manage.py demo` (core demodata/story.py): the author's plan and the agents'
work on the first chapters, as L1 logs with their prompt traces."""

from __future__ import annotations

from apps.core.demodata.story import CHAPTERS, FIRST_BOOK, PLAN_TITLE, DemoStory

AFTER: tuple[str, ...] = ()
MODULE = "cc"


def fill(story: DemoStory) -> None:
    author = story.author.get_full_name()
    story.log(
        MODULE,
        "plan.outlined",
        "plan.outlined",
        f"{author} outlined {PLAN_TITLE}: 100 books, one a season",
        payload={"author": story.author.username, "books": 100},
    )
    for number, title, summary in CHAPTERS:
        story.log(
            MODULE,
            f"chapter-{number}.drafted",
            "chapter.drafted",
            f"Drafted chapter {number} of {FIRST_BOOK}: {title}",
            payload={"agent": "drafter", "book": 1, "chapter": number},
            prompt={
                "prompt_text": f"Draft chapter {number} of {FIRST_BOOK}, '{title}'. {summary}",
                "response_text": f"Chapter {number}: {title}. {summary}",
                "token_count": 1800 + 120 * number,
                "execution_time_ms": 9000 + 700 * number,
            },
        )
    story.log(
        MODULE,
        "chapter-3.reviewed",
        "chapter.reviewed",
        "Continuity: the harbour master is Jansen in chapter 2 and Jensen in chapter 3",
        payload={"agent": "editor", "book": 1, "chapter": 3},
        level="warning",
    )


def real_data() -> dict[str, int]:
    return {}  # cc keeps nothing but L1 and the module registry
