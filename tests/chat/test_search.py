"""Search (chat.search) on whichever database the suite runs on — PostgreSQL full text with the
Portuguese configuration without accents on the real stack, SQLite FTS5 embedded: texts, file
names, the text inside documents and transcripts, per tenant and per chat, never a deleted message."""

from __future__ import annotations

import io
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from chatmedia.chat.models import Attachment, Message, SearchEntry
from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing import inspection
from tests.connections import new_conversation


def text_pdf(*lines: str) -> bytes:
    """A one-page PDF whose page has these lines as real text (Helvetica), built by hand."""
    content = "BT /F1 14 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -20 Td" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # with the binary comment real PDFs have
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _say(world, text, conversation=None, **fields):
    return Message.objects.create(
        tenant=world.tenant,
        conversation=conversation or world.conversation,
        wa_message_id=uuid.uuid4().hex,
        direction="in",
        status="delivered",
        text=text,
        **fields,
    )


def _find(world, q, **params):
    answer = world.client().get("/api/search/", {"q": q, **params})
    assert answer.status_code == 200, answer.content
    return answer.json()


def _matched(hit) -> str:
    return "".join(part["text"] for part in hit["snippet"] if part["match"])


def test_words_are_found_whatever_their_accents_and_the_match_is_marked(world_a):
    promo = _say(world_a, "Temos uma Promoção de maçãs hoje")
    _say(world_a, "Nada a ver com isso")
    hits = _find(world_a, "promocao")
    assert [h["message"] for h in hits] == [str(promo.pk)]
    assert _matched(hits[0]).lower() == "promoção" and hits[0]["conversation"] == str(world_a.conversation.pk)
    assert "maçãs" in "".join(p["text"] for p in hits[0]["snippet"])
    assert [h["message"] for h in _find(world_a, "MAÇÃS")] == [str(promo.pk)]


def test_file_names_document_text_and_transcripts_are_found(world_a):
    world_a.attachment.file_name = "contrato-locacao.pdf"
    world_a.attachment.save()
    boleto = _say(world_a, "")
    Attachment.objects.create(
        tenant=world_a.tenant,
        conversation=world_a.conversation,
        message=boleto,
        category="document",
        file_name="documento.pdf",
        status="ready",
        searchable_text="Linha digitável do boleto 34191.79001",
    )
    voice = _say(world_a, "")
    Attachment.objects.create(
        tenant=world_a.tenant,
        conversation=world_a.conversation,
        message=voice,
        category="voice",
        status="ready",
        metadata={"transcript": "quero remarcar a entrega para sexta"},
    )
    assert [h["message"] for h in _find(world_a, "contrato")] == [str(world_a.message.pk)]
    assert [h["message"] for h in _find(world_a, "boleto")] == [str(boleto.pk)]
    assert [h["message"] for h in _find(world_a, "remarcar entrega")] == [str(voice.pk)]


def test_only_this_tenants_and_this_chats_messages_never_deleted_ones(world_a, world_b):
    mine = _say(world_a, "orçamento da reforma")
    other_chat = new_conversation(
        world_a.tenant, remote_jid="5511911112222@s.whatsapp.net", display_name="Outro"
    )
    elsewhere = _say(world_a, "orçamento aprovado", conversation=other_chat)
    _say(world_b, "orçamento de outro tenant")
    gone = _say(world_a, "orçamento apagado")
    gone.deleted_at = timezone.now()
    gone.text = ""
    gone.save()
    Message.objects.filter(pk=mine.pk).update(deleted_at=None)
    found = {h["message"] for h in _find(world_a, "orcamento")}
    assert found == {str(mine.pk), str(elsewhere.pk)}
    in_chat = _find(world_a, "orcamento", conversation=str(other_chat.pk))
    assert [h["message"] for h in in_chat] == [str(elsewhere.pk)] and in_chat[0][
        "conversation_name"
    ] == "Outro"
    # A message deleted with an .update() (no signal) is still never found.
    Message.objects.filter(pk=mine.pk).update(deleted_at=timezone.now())
    assert {h["message"] for h in _find(world_a, "orcamento")} == {str(elsewhere.pk)}
    assert (
        world_a.client()
        .get("/api/search/", {"q": "orcamento", "conversation": str(world_b.conversation.pk)})
        .status_code
        == 404
    )


@pytest.mark.parametrize("q", ["", "   ", "!!!", "x" * 500])
def test_a_query_without_words_or_too_long_is_a_clear_400(world_a, q):
    answer = world_a.client().get("/api/search/", {"q": q})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_query"


def test_what_looks_like_search_syntax_is_just_words(world_a):
    hit = _say(world_a, 'pedido "urgente" NEAR(x) OR AND')
    for q in ['"urgente', "NEAR(x", "pedido OR", "-pedido", "pedido*"]:
        assert str(hit.pk) in {h["message"] for h in _find(world_a, q)} or q == "-pedido"


def test_a_pdfs_and_a_text_files_own_words_are_extracted_for_search(tmp_path):
    policy = MediaPolicy.from_settings()
    pdf = tmp_path / "boleto.pdf"
    pdf.write_bytes(text_pdf("Boleto de novembro", "Vencimento 10/12/2026"))
    out = tmp_path / "out"
    out.mkdir()
    found = inspection.inspect(str(pdf), policy, str(out), category="document")
    assert found.ok and "Vencimento 10/12/2026" in found.text and found.metadata["pages"] == 1
    notes = tmp_path / "notas.txt"
    notes.write_bytes("Observações do cliente: entregar após às 18h".encode("latin-1"))
    found = inspection.inspect(str(notes), policy, str(out), category="document")
    assert found.ok and found.text.startswith("Observações do cliente")


def test_the_database_uses_its_own_full_text_search(world_a):
    _say(world_a, "índice")
    assert SearchEntry.objects.filter(tenant=world_a.tenant).exists()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'search_content_fts'")
            assert "chatmedia_pt" in cursor.fetchone()[0]
        else:
            cursor.execute(
                "SELECT count(*) FROM chat_searchentry_fts WHERE chat_searchentry_fts MATCH 'indice'"
            )
            assert cursor.fetchone()[0] >= 1


def test_a_name_we_made_up_for_a_file_is_not_searched(world_a):
    from datetime import UTC, datetime

    from chatmedia.media.filenames import default_file_name, is_default_file_name

    made_up = default_file_name("image", "image/jpeg", datetime(2026, 12, 1, 14, 23, 5, tzinfo=UTC))
    assert is_default_file_name(made_up) and not is_default_file_name("Imagem do produto.jpg")
    world_a.attachment.file_name = made_up
    world_a.attachment.save()
    assert _find(world_a, "whatsapp") == []
    world_a.attachment.file_name = "Imagem do produto.jpg"
    world_a.attachment.save()
    assert [h["message"] for h in _find(world_a, "produto")] == [str(world_a.message.pk)]
