// Every piece of text a person sees, in Brazilian Portuguese (the seed's users). One place, so a
// translation or a wording change never hunts through components.
export const t = {
  appName: 'chatmedia',
  login: {
    title: 'Entrar',
    username: 'Usuário',
    password: 'Senha',
    submit: 'Entrar',
    busy: 'Entrando…',
    failed: 'Usuário ou senha incorretos.',
    throttled: 'Muitas tentativas. Aguarde um minuto e tente de novo.',
    noTenant: 'Seu usuário não pertence a nenhuma conta.',
  },
  logout: 'Sair',
  conversations: {
    title: 'Conversas',
    empty: 'Nenhuma conversa ainda. Quando um cliente escrever, ela aparece aqui.',
    loadFailed: 'Não foi possível carregar as conversas.',
    group: 'Grupo',
    you: 'Você: ',
    loadMore: 'Carregar mais conversas',
  },
  preview: {
    image: '📷 Foto',
    sticker: '🏷️ Figurinha',
    voice: '🎤 Áudio',
    audio: '🎵 Áudio',
    video: '🎥 Vídeo',
    document: '📄 Documento',
  },
  chat: {
    pick: 'Escolha uma conversa à esquerda para começar.',
    back: 'Voltar para as conversas',
    loadOlder: 'Carregar mensagens anteriores',
    loading: 'Carregando…',
    loadFailed: 'Não foi possível carregar as mensagens.',
    tryAgain: 'Tentar de novo',
    empty: 'Nenhuma mensagem nesta conversa.',
    live: 'Conectado',
    offline: 'Reconectando…',
    dropHere: 'Solte os arquivos para enviar',
  },
  attachment: {
    processing: 'Processando…',
    failed: 'Não foi possível carregar este arquivo.',
    retry: 'Tentar de novo',
    download: 'Baixar',
    open: 'Abrir',
    pages: (n: number) => (n === 1 ? '1 página' : `${n} páginas`),
    noPreview: 'Sem pré-visualização',
    openImage: 'Abrir imagem',
    animated: 'Figurinha animada',
  },
  lightbox: {
    close: 'Fechar (Esc)',
    previous: 'Anterior',
    next: 'Próxima',
    zoomIn: 'Aumentar zoom',
    zoomOut: 'Diminuir zoom',
    download: 'Baixar',
    counter: (i: number, n: number) => `${i} de ${n}`,
  },
  audio: {
    play: 'Reproduzir',
    pause: 'Pausar',
    speed: (s: string) => `Velocidade ${s}`,
    seek: 'Posição do áudio',
    voiceNote: 'Mensagem de voz',
  },
  status: {
    uploading: 'Enviando arquivo',
    pending: 'Aguardando',
    processing: 'Processando',
    sent: 'Enviada',
    delivered: 'Entregue',
    read: 'Lida',
    played: 'Ouvida',
    failed: 'Falhou',
  },
  composer: {
    placeholder: 'Digite uma mensagem',
    captionPlaceholder: 'Legenda (opcional)',
    send: 'Enviar',
    attach: 'Anexar arquivo',
    attachMedia: 'Fotos e vídeos',
    attachDocument: 'Documento',
    attachAudio: 'Áudio',
    record: 'Gravar mensagem de voz',
    stopAndSend: 'Parar e enviar',
    cancelRecording: 'Descartar gravação',
    recording: 'Gravando',
    micDenied: 'Não foi possível usar o microfone. Verifique a permissão do navegador.',
    micUnsupported: 'Este navegador não grava áudio.',
    textTooLong: (n: number) => `A mensagem pode ter no máximo ${n} caracteres.`,
    sendFailed: 'Não foi possível enviar a mensagem.',
  },
  upload: {
    tooLarge: (name: string, size: string, limit: string) =>
      `“${name}” tem ${size}; o limite para este tipo de arquivo é ${limit}.`,
    typeNotAllowed: (name: string) => `“${name}” é de um tipo que não pode ser enviado.`,
    empty: (name: string) => `“${name}” está vazio.`,
    cancel: 'Cancelar envio',
    retry: 'Tentar de novo',
    dismiss: 'Fechar',
    percent: (p: number) => `${p}%`,
    failed: 'Falha no envio',
    cancelled: 'Envio cancelado',
    network: 'A conexão caiu durante o envio.',
    elsewhere: 'Aguardando o arquivo…',
  },
  time: {
    yesterday: 'Ontem',
  },
  // The server's error codes (chatmedia: {"error": {"code", "message"}}) in Portuguese; a code not
  // listed shows the server's own (English) message.
  errors: {
    expired: 'O arquivo não está mais disponível no WhatsApp.',
    integrity: 'O arquivo chegou corrompido e não foi salvo.',
    host_not_allowed: 'O arquivo veio de um endereço não permitido.',
    unreachable: 'Não foi possível baixar o arquivo agora.',
    unavailable: 'O serviço não respondeu. Tente de novo em instantes.',
    timeout: 'O download demorou demais.',
    too_large: 'O arquivo é maior que o permitido.',
    type_not_allowed: 'Este tipo de arquivo não é aceito.',
    unsafe_content: 'O arquivo foi recusado por conter conteúdo perigoso.',
    empty: 'O arquivo está vazio.',
    storage: 'Não foi possível guardar o arquivo. Tente de novo.',
    evolution_refused: 'O WhatsApp recusou a mensagem.',
    evolution_auth: 'A conexão com o WhatsApp não está autorizada. Verifique o token da instância.',
    evolution_not_configured: 'Esta conta não está conectada ao WhatsApp.',
    whatsapp_not_connected: 'Esta conta não está conectada ao WhatsApp.',
    send_unconfirmed: 'O WhatsApp não confirmou o envio. Confira no celular antes de enviar de novo.',
    quota_exceeded: 'O armazenamento desta conta está cheio.',
    size_mismatch: 'O arquivo mudou durante o envio. Envie de novo.',
    type_mismatch: 'O conteúdo do arquivo não corresponde ao tipo informado.',
    not_uploaded: 'O arquivo não chegou ao servidor. Envie de novo.',
    caption_too_long: 'A legenda é longa demais.',
    text_too_long: 'A mensagem é longa demais.',
    conversation_not_found: 'Conversa não encontrada.',
    network: 'Sem conexão com o servidor.',
  } as Record<string, string>,
} as const

/** A server error for people: the Portuguese text of its code, else the server's message. */
export function errorText(error: { code: string; message: string } | null | undefined, fallback: string): string {
  if (!error) return fallback
  const text = t.errors[error.code]
  if (!text) return error.message || fallback
  // Evolution's own reason (a number not on WhatsApp, a URL it could not fetch) helps the agent.
  return error.code === 'evolution_refused' && error.message ? `${text.replace(/\.$/, '')}: ${error.message}` : text
}

export const sizeUnits = ['bytes', 'KB', 'MB', 'GB'] as const
