"""Static files as production serves them (whitenoise's compressed, hashed copies), each
file's URL looked up once per process: a page asks for about ten (stylesheets, scripts,
icons), and each lookup cleans the name and reads the manifest again (0.3 ms a page)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}  # the manifest is read once, when the storage is made

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        if name not in self._urls:
            self._urls[name] = super().url(name)
        return self._urls[name]
