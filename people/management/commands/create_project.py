from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from people.models import Project


class Command(BaseCommand):
    help = (
        "Create an empty draft project, to import its credits with import_credits "
        "and publish it with publish."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the page's address: /credits/<slug>/")
        parser.add_argument("--title", required=True, help="the project's title")

    def handle(self, *args, **options):
        project = Project(slug=options["slug"], title=options["title"].strip())
        try:
            project.full_clean()
        except ValidationError as error:
            problems = [
                f"{name}: {message}"
                for name, messages in error.message_dict.items()
                for message in messages
            ]
            raise CommandError("The project was not created.\n" + "\n".join(problems)) from error
        project.save()
        self.stdout.write(
            self.style.SUCCESS(f'Created the draft project "{project}" ({project.slug}).')
        )
