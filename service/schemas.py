"""marshmallow schemas for what clients send: query strings and article bodies."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from index.library import CLAIM_SORTS as SORTS
from index.library import SEARCH_FACETS
from index.exports import FORMATS as EXPORT_FORMATS
from index.library import valid_article_id
from index.models import DIMENSIONS, MODALITIES

MAX_TEXT_CHARS = 2_000_000
BOOLEAN_WORDS = {"truthy": {"true", "1", "yes"}, "falsy": {"false", "0", "no"}}


def Flag(**kwargs):
    return fields.Boolean(truthy=BOOLEAN_WORDS["truthy"], falsy=BOOLEAN_WORDS["falsy"], **kwargs)


class _AsciiNumber:
    """A number written with ASCII characters only: Python's int() and Decimal() also read
    other scripts' digits (page=٣ or page=３ would be 3), which the contract does not allow."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not value.isascii():
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class AsciiInteger(_AsciiNumber, fields.Integer):
    pass


class AsciiDecimal(_AsciiNumber, fields.Decimal):
    pass


class NameList(fields.Field):
    """A comma-separated list of distinct names out of `choices` (OpenAPI: array, style form,
    explode false): `facets=source,month`."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def _deserialize(self, value, attr, data, **kwargs):
        names = str(value).split(",")
        wrong = [n for n in names if n not in self.choices]
        if wrong:
            raise ValidationError(f"Unknown name {wrong[0]!r}: use {', '.join(self.choices)}, comma-separated.")
        if len(set(names)) < len(names):
            raise ValidationError("A name is given twice.")
        return names


class ArticleIn(Schema):
    """POST /articles body: the article as `text` or as a web page in `html`, exactly one of them."""
    class Meta:
        unknown = RAISE

    text = fields.String(validate=validate.Length(min=1, max=MAX_TEXT_CHARS))
    html = fields.String(validate=validate.Length(min=1, max=MAX_TEXT_CHARS))
    id = fields.String(validate=validate.Length(min=1, max=128))
    title = fields.String(validate=validate.Length(max=500), allow_none=True)
    published = fields.Date(allow_none=True)
    source = fields.String(validate=validate.Length(max=200), allow_none=True)
    url = fields.Url(validate=validate.Length(max=2000), allow_none=True, schemes={"http", "https"})

    @validates("id")
    def check_id(self, value, **_):
        if not valid_article_id(value):
            raise ValidationError("Use 1-128 characters of A-Z a-z 0-9 . _ - (not starting with . or -, no '..').")

    @validates("text")
    def check_text(self, value, **_):
        if not value.strip():
            raise ValidationError("The text is empty or white space only.")

    @validates("html")
    def check_html(self, value, **_):
        if not value.strip():
            raise ValidationError("The page is empty or white space only.")

    @validates_schema
    def one_input(self, data, **_):
        if ("text" in data) == ("html" in data):
            raise ValidationError("Send the article as either `text` or `html` (a web page), exactly one of them.",
                                  "_schema")


MAX_PER_PAGE = 100


class Paged(Schema):
    """`page` and `per_page`, the same on every list; a list may narrow the deepest page."""
    class Meta:
        unknown = RAISE

    MAX_PAGE, PER_PAGE = 1000, 20
    page = AsciiInteger(load_default=1)
    per_page = AsciiInteger()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page"].validators = [validate.Range(min=1, max=self.MAX_PAGE)]
        self.fields["per_page"].load_default = self.PER_PAGE
        self.fields["per_page"].validators = [validate.Range(min=1, max=MAX_PER_PAGE)]


class SearchArgs(Paged):
    """GET /search query string."""
    MAX_PAGE, PER_PAGE = 100, 10               # 100 x 100 = the search's depth

    q = fields.String(required=True, validate=validate.Length(min=1))
    source = fields.String(validate=validate.Length(min=1, max=100))   # the URL stays under 8190 bytes
    published_from = fields.Date()
    published_to = fields.Date()
    has_claims = Flag()
    dimension = fields.String(validate=validate.OneOf(DIMENSIONS))
    highlight = Flag(load_default=True)
    total = Flag(load_default=True)
    collapse = fields.String(validate=validate.OneOf(("reprints",)))
    facets = NameList(SEARCH_FACETS)

    @validates("q")
    def check_q(self, value, **_):
        if not value.strip():
            raise ValidationError("The query is empty or white space only.")


class ClaimsArgs(Paged):
    """GET /claims query string."""

    project = fields.String(validate=validate.Length(min=1, max=200))   # absent: the whole claim table
    metric = fields.String(validate=validate.Length(min=1, max=100))
    metric_key = fields.String(validate=validate.Length(min=1, max=100))
    source = fields.String(validate=validate.Length(min=1, max=100))
    has_conflict = Flag()
    dimension = fields.String(validate=validate.OneOf(DIMENSIONS))
    modality = fields.String(validate=validate.OneOf(MODALITIES))
    region = fields.String(validate=validate.Length(min=1, max=100))
    period_from = fields.Date()
    period_to = fields.Date()
    min_value = AsciiDecimal(allow_nan=False)
    max_value = AsciiDecimal(allow_nan=False)
    sort = fields.String(load_default="text", validate=validate.OneOf(SORTS))
    format = fields.String(load_default="json", validate=validate.OneOf(("json",) + EXPORT_FORMATS))

    @validates("project")
    def check_project(self, value, **_):
        if not value.strip():
            raise ValidationError("The project name is empty or white space only.")


class ConflictsArgs(Paged):
    """GET /conflicts query string."""

    project = fields.String(validate=validate.Length(min=1, max=200))
    metric_key = fields.String(validate=validate.Length(min=1, max=100))
    source = fields.String(validate=validate.Length(min=1, max=100))
    period_from = fields.Date()
    period_to = fields.Date()
    format = fields.String(load_default="json", validate=validate.OneOf(("json",) + EXPORT_FORMATS))

    @validates("project")
    def check_project(self, value, **_):
        if not value.strip():
            raise ValidationError("The project name is empty or white space only.")


class ProjectsArgs(Paged):
    """GET /projects query string."""
    q = fields.String(validate=validate.Length(min=1, max=200))


class NoArgs(Schema):
    """Routes that take no query parameters refuse unknown ones."""
    class Meta:
        unknown = RAISE


article_in, search_args, no_args = ArticleIn(), SearchArgs(), NoArgs()
claims_args, projects_args, conflicts_args = ClaimsArgs(), ProjectsArgs(), ConflictsArgs()
