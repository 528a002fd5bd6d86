"""The board's Atom feed: the latest published postings."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from wizard.board.views import on_board
from wizard.postings import markdown

FEED_SIZE = 50


class LatestJobsFeed(Feed):
    feed_type = Atom1Feed
    title = "Jobwizard: latest jobs"
    subtitle = "The newest jobs published on the Jobwizard board."

    def link(self):
        return reverse("wizard:board")

    def feed_url(self):
        return reverse("wizard:feed")

    def items(self):
        return on_board().defer("search_vector").order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, posting):
        return f"{posting.title} at {posting.company_name}"

    def item_description(self, posting):
        return markdown.render_html(posting.description)

    def item_link(self, posting):
        return reverse("wizard:job", args=[posting.slug])

    def item_guid(self, posting):
        return f"urn:uuid:{posting.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, posting):
        return posting.company_name

    def item_pubdate(self, posting):
        return posting.published_at

    def item_updateddate(self, posting):
        return posting.updated_at

    def item_categories(self, posting):
        """The employment type and the workplace ("Full-time", "Hybrid")."""
        categories = [
            posting.get_employment_type_display() if posting.employment_type else "",
            posting.get_workplace_display() if posting.workplace else "",
        ]
        return [category for category in categories if category]
