"""How form fields and widgets are drawn (settings.FORM_RENDERER).

Django's own field and widget templates go through Jinja2 (Django ships them ported):
the same HTML about three times faster than through Django's template engine, which made
drawing the details step's fields, with its two country lists of about 250 options, most
of that page's cost (make bench). Widget templates that exist only for Django's
templates (the admin's) are drawn by Django's template engine, as before.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    def __init__(self):
        self.fast = Jinja2()
        self.fallback = DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self.fast.get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
