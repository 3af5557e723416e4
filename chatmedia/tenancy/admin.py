from django import forms
from django.contrib import admin

from chatmedia.tenancy.models import ApiToken, Membership, Tenant
from chatmedia.tenancy.provisioning import MIN_WEBHOOK_SECRET_LENGTH


class TenantForm(forms.ModelForm):
    evolution_url = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Tenant
        fields = [
            "slug",
            "name",
            "evolution_url",
            "evolution_instance",
            "evolution_token",
            "webhook_secret",
            "jwt_key",
            "storage_quota_bytes",
            "deleted_media_retention_days",
            "store_view_once_media",
        ]
        # Secrets are never shown back; leaving the field empty on edit keeps the stored value.
        widgets = {
            "evolution_token": forms.PasswordInput(render_value=False),
            "jwt_key": forms.PasswordInput(render_value=False),
            "webhook_secret": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("evolution_token", "jwt_key", "webhook_secret"):
            # A callable default (webhook_secret) would otherwise be echoed in a hidden input.
            self.fields[name].show_hidden_initial = False
        if self.instance.pk:
            for name in ("evolution_token", "jwt_key", "webhook_secret"):
                self.fields[name].required = False
                self.fields[name].help_text = "Stored; type a new value to replace it."

    def clean_webhook_secret(self):
        secret = self.cleaned_data.get("webhook_secret", "")
        if secret and len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
            raise forms.ValidationError(f"Use at least {MIN_WEBHOOK_SECRET_LENGTH} characters.")
        return secret

    def clean_jwt_key(self):
        key = self.cleaned_data.get("jwt_key", "")
        if key and len(key) < MIN_WEBHOOK_SECRET_LENGTH:
            raise forms.ValidationError(f"Use at least {MIN_WEBHOOK_SECRET_LENGTH} characters.")
        return key

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            stored = Tenant.objects.get(pk=self.instance.pk)
            for name in ("evolution_token", "jwt_key", "webhook_secret"):
                if not cleaned.get(name):
                    cleaned[name] = getattr(stored, name)
        return cleaned


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    form = TenantForm
    list_display = ["slug", "name", "evolution_instance", "created_at"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


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
