"""Addresses and messages of admin pages, for the tests of the admin."""

from django.urls import reverse


def url(model, view, *args):
    """The address of an admin view: url(Person, "change", person.pk)."""
    return reverse(f"admin:people_{model._meta.model_name}_{view}", args=args)


def errors_of(response):
    """The error messages of a re-displayed admin form, its inlines included."""
    assert response.status_code == 200, "expected the form again, with errors"
    messages = [message for errors in response.context["errors"] for message in errors]
    for inline in response.context["inline_admin_formsets"]:
        messages += inline.formset.non_form_errors()
    return " ".join(messages)


def messages_after(client, response):
    """The messages shown on the page a saved admin form leads to."""
    assert response.status_code == 302, errors_of(response)
    page = client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


def page_text(response):
    """The page's HTML with runs of white space made single spaces."""
    return " ".join(response.content.decode().split())
