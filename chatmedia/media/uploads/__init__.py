"""Browser uploads of outgoing media, straight to storage: `direct` (validate → presigned PUT or
multipart → verify → queue the send), `views` (the REST API over it, `/api/uploads/…`) and
`local` (our stand-in for presigned URLs when media lives on local disk)."""
