"""The CMS's API views, thin: reads from apps.cms.selectors, writes through apps.cms.services.

Staff (the module's view permission to read, its write permission for the rest): pages, their
translations, publish/unpublish/archive/restore. Visitors: published pages, read only,
throttled, with ETag and Last-Modified (a conditional GET answers 304). Refusals keep their
stable codes (apps.cms.exceptions) in core's error shape."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.throttling import AnonRateThrottle

from apps.cms import exceptions as cms
from apps.cms import selectors, services
from apps.cms.api.serializers import (
    LANGUAGES,
    PageInputSerializer,
    PageSerializer,
    PublicPageSerializer,
    PublicQuerySerializer,
    TranslationInputSerializer,
    TranslationSerializer,
)
from apps.cms.models import Page
from apps.core.modules.settings import module_setting

LANGUAGE = OpenApiParameter(
    "language",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=LANGUAGES,
    description="en, fr, de or lb.",
)
LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=LANGUAGES,
    description="The language wanted (default: the site's); a page not written in it is given "
    "in the default language, with `fallback` true.",
)


class CmsPage(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


class CmsRefusal(exceptions.APIException):
    """A CMS refusal in core's error shape: its status and stable code."""

    def __init__(self, error: cms.CmsError) -> None:
        self.status_code = error.status
        super().__init__(error.detail or str(error), error.code)


@contextmanager
def _checked() -> Iterator[None]:
    try:
        yield
    except cms.InvalidInput as bad:
        raise exceptions.ValidationError(bad.errors) from bad
    except cms.CmsError as refused:
        raise CmsRefusal(refused) from refused


def _valid(serializer_class: type[Serializer], data: Any, partial: bool = False) -> dict[str, Any]:
    incoming = serializer_class(data=data, partial=partial)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


def _page(pk: object) -> Page:
    found = selectors.page(pk)
    if found is None:
        raise CmsRefusal(cms.PageNotFound(_("No page with id '%(id)s'.") % {"id": str(pk)[:40]}))
    return found


def _parent(data: dict[str, Any]) -> None:
    """The `parent` id given, as the page it names (a 400 if there is none)."""
    if data.get("parent") is not None:
        parent = selectors.page(data["parent"])
        if parent is None:
            raise exceptions.ValidationError({"parent": [_("No page with this id.")]})
        data["parent"] = parent


@extend_schema(tags=["cms"])
class PageViewSet(viewsets.GenericViewSet):
    """Content pages: slug, status, place in the tree; their words are their translations."""

    serializer_class = PageSerializer
    pagination_class = CmsPage
    conflict_actions = ("create", "update", "partial_update", "destroy", "publish", "unpublish",
                        "archive", "restore", "translation")  # fmt: skip

    def get_queryset(self) -> QuerySet[Page]:
        return selectors.pages()

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PageSerializer(page, many=True).data)

    @extend_schema(request=PageInputSerializer, responses={201: PageSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(PageInputSerializer, request.data)
        _parent(data)
        with _checked():
            page = services.create_page(data.pop("slug"), **data, author=request.user)
        return Response(PageSerializer(page).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PageSerializer(_page(pk)).data)

    @extend_schema(request=PageInputSerializer, responses=PageSerializer)
    def update(self, request: Request, pk: str) -> Response:
        return self._change(request, pk, partial=False)

    @extend_schema(request=PageInputSerializer, responses=PageSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._change(request, pk, partial=True)

    def _change(self, request: Request, pk: str, partial: bool) -> Response:
        page = _page(pk)
        data = _valid(PageInputSerializer, request.data, partial=partial)
        if not partial:  # PUT replaces: what is left out goes back to its default
            data = {"parent": None, "ordering": 0, "published_at": None, **data}
        _parent(data)
        with _checked():
            page = services.update_page(page, **data)
        return Response(PageSerializer(selectors.page(page.pk)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        with _checked():
            services.delete_page(_page(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _status_change(self, pk: str, change: Any) -> Response:
        with _checked():
            page = change(_page(pk))
        return Response(PageSerializer(selectors.page(page.pk)).data)

    @extend_schema(request=None, responses=PageSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Draft -> published (needs the default language's translation): cms.page.published."""
        return self._status_change(pk, services.publish_page)

    @extend_schema(request=None, responses=PageSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, pk: str) -> Response:
        """Published -> draft: cms.page.unpublished."""
        return self._status_change(pk, services.unpublish_page)

    @extend_schema(request=None, responses=PageSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        """Draft or published -> archived: cms.page.archived."""
        return self._status_change(pk, services.archive_page)

    @extend_schema(request=None, responses=PageSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        """Archived -> draft: cms.page.restored."""
        return self._status_change(pk, services.restore_page)

    @extend_schema(responses=TranslationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def translations(self, request: Request, pk: str) -> Response:
        """The page's translations, one per language it is written in."""
        page = _page(pk)
        return Response(TranslationSerializer(page.translations.all(), many=True).data)

    @extend_schema(
        methods=["PUT"],
        parameters=[LANGUAGE],
        request=TranslationInputSerializer,
        responses=TranslationSerializer,
        summary="Write the page in one language (create or replace).",
    )
    @extend_schema(
        methods=["DELETE"],
        parameters=[LANGUAGE],
        responses={204: None},
        summary="Remove one language (not the default one of a published page).",
    )
    @action(
        detail=True,
        methods=["put", "delete"],
        url_path=r"translations/(?P<language>[^/.]+)",
        pagination_class=None,
    )
    def translation(self, request: Request, pk: str, language: str) -> Response:
        page = _page(pk)
        if language not in LANGUAGES:
            raise exceptions.NotFound(_("No language '%(code)s'.") % {"code": language})
        if request.method == "DELETE":
            with _checked():
                services.delete_translation(page, language)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = _valid(TranslationInputSerializer, request.data)
        with _checked():
            saved = services.save_translation(page, language, **data)
        return Response(TranslationSerializer(saved).data)


class PublicThrottle(AnonRateThrottle):
    """Visitors per address, at the module's PUBLIC_API_RATE (signed-in callers too)."""

    scope = "cms_public"

    def get_rate(self) -> str:
        return str(module_setting("cms", "PUBLIC_API_RATE"))


def _lang(request: Any) -> str:
    query = _valid(PublicQuerySerializer, request.GET)
    return str(query.get("lang") or settings.LANGUAGE_CODE)


def _etag(request: Any, slug: str) -> str | None:
    version = selectors.request_page_version(request, slug)
    if version is None:
        return None
    tag = f"{slug}|{request.GET.get('lang', '')}|{version[1]}"
    return hashlib.sha256(tag.encode()).hexdigest()[:32]


def _modified(request: Any, slug: str) -> datetime | None:
    version = selectors.request_page_version(request, slug)
    return None if version is None else version[0]


@extend_schema(tags=["cms"])
class PublicPageViewSet(viewsets.GenericViewSet):
    """Published pages for anyone (no sign-in), in one language, throttled per address."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []  # public: a token or session changes nothing
    throttle_classes = [PublicThrottle]
    serializer_class = PublicPageSerializer
    pagination_class = CmsPage
    lookup_field = "slug"
    lookup_value_regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"

    def get_queryset(self) -> QuerySet[Page]:
        return selectors.published_pages()

    @extend_schema(parameters=[LANG])
    def list(self, request: Request) -> Response:
        language = _lang(request)
        page = self.paginate_queryset(self.get_queryset().select_related("parent"))
        shown = []
        for found in page or []:
            try:
                shown.append(selectors.page_view(found, language))
            except cms.PageNotFound:
                continue
        return self.get_paginated_response(PublicPageSerializer(shown, many=True).data)

    @extend_schema(
        parameters=[LANG],
        responses={
            200: PublicPageSerializer,
            304: OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)."),
        },
    )
    @method_decorator(cache_control(no_cache=True))  # cached, but revalidated: see the site
    @method_decorator(condition(etag_func=_etag, last_modified_func=_modified))
    def retrieve(self, request: Request, slug: str) -> Response:
        language = _lang(request)
        with _checked():
            view = selectors.page_view(selectors.published_page(slug), language)
        return Response(PublicPageSerializer(view).data)
