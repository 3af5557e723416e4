from django import forms
from django.contrib import admin

from chatmedia.tenancy import credentials
from chatmedia.tenancy.models import ApiToken, Connection, Membership, Tenant, new_webhook_secret
from chatmedia.tenancy.provisioning import MIN_WEBHOOK_SECRET_LENGTH, connection_webhook_url

SECRET_FIELDS = {
    Connection.Provider.EVOLUTION: ("token", "webhook_secret", "jwt_key"),
    Connection.Provider.CLOUD: ("access_token", "app_secret", "verify_token"),
}
ALL_SECRETS = ("token", "webhook_secret", "jwt_key", "access_token", "app_secret", "verify_token")
SHORTEST = {"webhook_secret": MIN_WEBHOOK_SECRET_LENGTH, "jwt_key": MIN_WEBHOOK_SECRET_LENGTH}


class ConnectionForm(forms.ModelForm):
    """Credentials are write-only: never rendered back; empty on edit keeps the stored value."""

    evolution_url = forms.URLField(required=False, assume_scheme="https")
    graph_url = forms.URLField(required=False, assume_scheme="https")
    token = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Evolution instance API key."
    )
    webhook_secret = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Evolution webhook path secret."
    )
    jwt_key = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Evolution >= 2.3 webhook JWT key."
    )
    access_token = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Meta Graph API access token."
    )
    app_secret = forms.CharField(required=False, widget=forms.PasswordInput, help_text="Meta app secret.")
    verify_token = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Webhook verify token."
    )

    class Meta:
        model = Connection
        fields = [
            "tenant", "provider", "name", "phone", "evolution_url", "evolution_instance",
            "graph_url", "phone_number_id",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        for name, shortest in SHORTEST.items():
            value = cleaned.get(name) or ""
            if value and len(value) < shortest:
                self.add_error(name, f"Use at least {shortest} characters.")
        key = cleaned.get("jwt_key")
        if key:
            taken = Connection.objects.filter(jwt_key_digest=credentials.digest(key))
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("jwt_key", "Another connection already uses this JWT key.")
        return cleaned

    def save(self, commit=True):
        connection = super().save(commit=False)
        typed = {name: self.cleaned_data.get(name) or "" for name in ALL_SECRETS}
        changed = {name: value for name, value in typed.items() if value}
        if not connection.credentials and "webhook_secret" not in changed:
            changed["webhook_secret"] = new_webhook_secret()
        connection.set_secrets(**changed)
        if commit:
            connection.save()
        return connection


class ConnectionInline(admin.TabularInline):
    model = Connection
    extra = 0
    fields = ["name", "provider", "phone", "status"]
    readonly_fields = ["name", "provider", "phone", "status"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    fields = [
        "slug",
        "name",
        "time_zone",
        "storage_quota_bytes",
        "deleted_media_retention_days",
        "store_view_once_media",
        "agents_may_remove_media",
        "media_retention_days",
        "erasure_keeps_metadata",
    ]
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [ConnectionInline, MembershipInline]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ["name", "tenant", "provider", "phone", "status", "status_changed_at"]
    list_filter = ["provider", "status", "tenant"]
    search_fields = ["name", "phone", "evolution_instance", "phone_number_id", "tenant__slug"]
    readonly_fields = ["webhook_url", "status", "status_detail", "status_changed_at", "created_at"]
    autocomplete_fields = ["tenant"]

    @admin.display(description="Webhook URL (give it to the provider)")
    def webhook_url(self, obj):
        return connection_webhook_url(obj, reveal=False) if obj.pk else "—"


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["tenant", "role"]
    autocomplete_fields = ["user", "tenant"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `manage.py create_api_token` (the raw key is shown once there)."""

    list_display = ["key_hint", "name", "membership", "created_at"]
    readonly_fields = ["key_hint", "membership", "created_at"]
    fields = ["key_hint", "name", "membership", "created_at"]

    def has_add_permission(self, request):
        return False
