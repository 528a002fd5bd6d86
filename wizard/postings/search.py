"""What a posting's full-text search vector holds, kept by the database itself.

`JobPosting.search_vector` is a stored generated column: PostgreSQL computes it from the
row on every INSERT and UPDATE, whoever writes the row (save(), bulk_create(),
QuerySet.update(), a data migration, SQL typed by hand), so it can never be stale, and no
Python code writes or maintains it. Its expression is

    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', company_name), 'B')
    || setweight(to_tsvector('english', description), 'C')
    || setweight(to_tsvector('english', city || ' ' || region), 'D')

so a match in the title ranks above one in the company's name, above one in the
description, above one in the office's place only. A GIN index (migration 0013) makes
`search_vector @@ websearch_to_tsquery(…)` an index lookup.

SQLite has no text-search types: there the same column is generated as NULL (SQLite
accepts any type name) and the board searches with icontains instead
(wizard.board.search). One model and one migration serve both databases; only the SQL
this expression compiles to differs.
"""

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models import Expression, Value
from django.db.models.functions import Concat
from django.utils.deconstruct import deconstructible

# The text-search configuration: the board and its postings are in English (stemming
# makes "developers" find "developer"; stop words such as "the" are left out).
SEARCH_CONFIG = "english"


@deconstructible(path="wizard.postings.search.PostingSearchVector")
class PostingSearchVector(Expression):
    """The weighted tsvector of a posting on PostgreSQL; NULL on any other database."""

    output_field = SearchVectorField()

    def __init__(self):
        super().__init__()
        self.vector = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("company_name", weight="B", config=SEARCH_CONFIG)
            + SearchVector("description", weight="C", config=SEARCH_CONFIG)
            + SearchVector(Concat("city", Value(" "), "region"), weight="D", config=SEARCH_CONFIG)
        )

    def get_source_expressions(self):
        return [self.vector]

    def set_source_expressions(self, exprs):
        (self.vector,) = exprs

    def as_sql(self, compiler, connection):
        if connection.vendor == "postgresql":
            return compiler.compile(self.vector)
        return "NULL", []

    def __eq__(self, other):
        return isinstance(other, PostingSearchVector)

    def __hash__(self):
        return hash(PostingSearchVector)
