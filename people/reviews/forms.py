"""The forms of the review page, and of the editors' decisions."""

from django import forms

from people.admin_forms import ORCID_ADDRESS
from people.models import validate_name, validate_orcid, validate_title, validate_web_url
from people.naming import Choice
from people.reviews.answers import Change
from people.reviews.models import Proposal
from people.sorting import normalize_name

# Longest note or missing credit a person can send: a few paragraphs.
TEXT_MAX_LENGTH = 2000
# Longest reason an editor gives for rejecting a proposal.
REASON_MAX_LENGTH = 1000


class CorrectionsForm(forms.Form):
    """The person's data and credits, filled in as they are: what they change is proposed."""

    name = forms.CharField(
        label="Your name as shown",
        max_length=200,
        validators=[validate_name],
    )
    replace_everywhere = forms.BooleanField(
        label="Replace my former name everywhere",
        required=False,
        help_text="Also on the pages already published, in their files, in search and in the "
        "address of your page. Otherwise your new name shows from the next published version "
        "on, and earlier versions keep the name they were published with.",
    )
    former_name = forms.ChoiceField(
        label="My former name",
        widget=forms.RadioSelect,
        choices=[
            (
                Proposal.Replacement.KEEP,
                "Keep it privately, so that the editors' imports "
                "still recognise me (it is never shown)",
            ),
            (Proposal.Replacement.DROP, "Do not keep it at all"),
        ],
        initial=Proposal.Replacement.KEEP,
        required=False,
        help_text="When it is replaced everywhere.",
    )
    sort_name = forms.CharField(
        label="Sorted as",
        max_length=200,
        required=False,
        validators=[validate_name],
        help_text="Family name first, e.g. “Almeida, Diogo Moitinho de”. "
        "Leave empty to sort by the family name worked out from your name.",
    )
    orcid = forms.CharField(
        label="ORCID iD",
        max_length=100,
        required=False,
        help_text="e.g. 0000-0002-1825-0097",
    )
    homepage = forms.URLField(
        max_length=500, required=False, assume_scheme="https", validators=[validate_web_url]
    )
    missing = forms.CharField(
        label="A credit that is missing",
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where you should be listed, and with what title.",
    )
    note = forms.CharField(
        label="A note to the editors",
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, person, credits, *args, aliases=(), **kwargs):
        """`aliases` are the person's other spellings: each can be asked to show publicly."""
        self.person = person
        self.credits = credits
        self.aliases = aliases
        initial = {
            "name": person.name,
            "sort_name": person.sort_name,
            "orcid": person.orcid,
            "homepage": person.homepage,
            **{f"title-{credit.credit_id}": credit.title for credit in credits},
            **{f"alias-{alias.pk}": alias.is_public for alias in aliases},
        }
        super().__init__(*args, initial=initial, **kwargs)
        for alias in aliases:
            self.fields[f"alias-{alias.pk}"] = forms.BooleanField(
                label=f"Show “{alias.name}” publicly", required=False
            )
        for credit in credits:
            self.fields[f"title-{credit.credit_id}"] = forms.CharField(
                label=f"Title in {credit.place}",
                max_length=200,
                # A lead line is its title; a team member may have none.
                required=credit.is_lead,
                validators=[validate_title],
            )
            self.fields[f"not_mine-{credit.credit_id}"] = forms.BooleanField(
                label="I did not work on this", required=False
            )

    def person_fields(self):
        names = ["name", "replace_everywhere", "former_name", "sort_name", "orcid", "homepage"]
        return [self[name] for name in names]

    def alias_fields(self):
        """(other spelling, "show publicly" field) for the template."""
        return [(alias, self[f"alias-{alias.pk}"]) for alias in self.aliases]

    def credit_fields(self):
        """(credit, title field, "did not work on this" field) for the template."""
        return [
            (credit, self[f"title-{credit.credit_id}"], self[f"not_mine-{credit.credit_id}"])
            for credit in self.credits
        ]

    def clean_name(self):
        return normalize_name(self.cleaned_data["name"])

    def clean_sort_name(self):
        return normalize_name(self.cleaned_data["sort_name"])

    def clean_orcid(self):
        # As the admin takes it: the iD alone, from the iD or its address.
        orcid = ORCID_ADDRESS.sub("", self.cleaned_data["orcid"].strip()).upper()
        if orcid:
            validate_orcid(orcid)
        return orcid

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("replace_everywhere") and cleaned_data.get("name") == self.person.name:
            self.add_error(
                "replace_everywhere", "Write your name as it should be above to replace it."
            )
        return cleaned_data

    def changes(self):
        """The Changes the person asks for: what differs from their data and credits now."""
        data = self.cleaned_data
        replacement = Proposal.Replacement.NONE
        if data["replace_everywhere"]:
            replacement = data["former_name"] or Proposal.Replacement.KEEP
        changes = [
            Change(
                kind=kind,
                value=data[kind],
                old_value=getattr(self.person, kind),
                replacement=replacement if kind == Proposal.Kind.NAME else "",
            )
            for kind in Proposal.PERSON_FIELDS
            if data[kind] != getattr(self.person, kind)
        ]
        for credit in self.credits:
            title = data[f"title-{credit.credit_id}"]
            if data[f"not_mine-{credit.credit_id}"]:
                kind, value = Proposal.Kind.NOT_MINE, ""
            elif title != credit.title:
                kind, value = Proposal.Kind.TITLE, title
            else:
                continue
            changes.append(
                Change(
                    kind, value, credit.title, credit_id=credit.credit_id, credit_text=str(credit)
                )
            )
        for alias in self.aliases:
            public = data[f"alias-{alias.pk}"]
            if public != alias.is_public:
                kind = Proposal.Kind.ALIAS_PUBLIC if public else Proposal.Kind.ALIAS_PRIVATE
                changes.append(Change(kind, alias.name, alias_id=alias.pk))
        for kind in (Proposal.Kind.MISSING, Proposal.Kind.NOTE):
            if data[kind]:
                changes.append(Change(kind=kind, value=data[kind]))
        return changes


class NamingForm(forms.Form):
    """How the person chooses to be named: as shown, not on this project, or nowhere."""

    naming = forms.ChoiceField(
        label="How you are named",
        choices=Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you want to be named."},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The person sees it when they open their review again.",
    )
