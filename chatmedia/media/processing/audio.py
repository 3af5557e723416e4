"""Recordings → duration, a 64-bar waveform, and a `playback` rendition browsers all play.

Voice notes arrive as OGG/Opus (WhatsApp), WebM (browsers), AMR (old phones): Safari plays none of
them reliably, so those get an AAC-in-M4A `playback` copy; MP3, M4A, AAC and WAV play everywhere and
get none. The original is always kept: it is what is downloaded and what WhatsApp receives.
One decode pass measures the waveform and feeds the encoder. Runs inside the processing process.
"""

from __future__ import annotations

import os

import av
import numpy as np

from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing.renditions import Analysis, RenditionFile, Unprocessable

WAVEFORM_BARS = 64
# The waveform is measured on a mono signal at this rate, as the peak of each block of samples.
WAVEFORM_RATE = 8000
WAVEFORM_BLOCK = 40  # 5 ms
AAC_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def open_container(path: str, what: str):
    try:
        return av.open(path, metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable(f"the {what} cannot be read (damaged or an unsupported format)") from exc


def probed_seconds(container, stream) -> float | None:
    """The duration the container states (libavformat reads an Ogg's last page for it)."""
    if stream.duration is not None and stream.time_base is not None:
        return round(float(stream.duration * stream.time_base), 3)
    if container.duration is not None:
        return round(container.duration / av.time_base, 3)
    return None


def _too_long(seconds: float, cap: float, duration: float | None) -> Unprocessable:
    metadata = {"duration": duration} if duration else {}
    return Unprocessable(
        f"the recording lasts {seconds:.0f} s; waveforms and playback copies are made up to {cap:g} s",
        metadata,
        code="too_long",
    )


def analyze_audio(
    path: str,
    policy: MediaPolicy,
    out_dir: str,
    *,
    mime_type: str,
    voice: bool,
    declared_duration: float | None = None,
) -> Analysis:
    """`declared_duration` (the sender's) and the probed one are checked before decoding; decoding
    stops after `policy.audio_analysis_max_seconds` of sound whatever the container says."""
    cap = policy.audio_analysis_max_seconds
    with open_container(path, "recording") as container:
        if not container.streams.audio:
            raise Unprocessable("the file has no audio track")
        stream = container.streams.audio[0]
        stream.codec_context.thread_count = 1
        probed = probed_seconds(container, stream)
        longest = max((d for d in (declared_duration, probed) if d), default=0)
        if longest > cap:
            raise _too_long(longest, cap, probed or declared_duration)
        playback = None
        if mime_type not in policy.browser_audio_types:
            playback = _PlaybackEncoder(
                os.path.join(out_dir, "playback.m4a"),
                rate=stream.codec_context.sample_rate,
                channels=1 if voice else min(2, stream.codec_context.channels or 1),
                bit_rate=policy.playback_voice_bitrate if voice else policy.playback_audio_bitrate,
            )
        waveform = _Waveform()
        samples, rate = 0, stream.codec_context.sample_rate or 0
        try:
            for frame in container.decode(stream):
                samples += frame.samples
                rate = frame.sample_rate or rate
                if rate and samples > cap * rate:
                    raise _too_long(samples / rate, cap, probed or declared_duration)
                waveform.add(frame)
                if playback is not None:
                    playback.add(frame)
        except (av.FFmpegError, ValueError) as exc:
            if samples == 0:
                raise Unprocessable("the recording is damaged and cannot be decoded") from exc
            # A damaged tail: keep what decoded (players stop there too).
        if samples == 0 or not rate:
            raise Unprocessable("the recording has no sound in it")
        metadata = {"duration": round(samples / rate, 3), "waveform": waveform.bars()}
        renditions = {}
        if playback is not None:
            renditions["playback"] = playback.finish()
    return Analysis(metadata=metadata, renditions=renditions)


class _Waveform:
    def __init__(self) -> None:
        self.resampler = av.AudioResampler(format="flt", layout="mono", rate=WAVEFORM_RATE)
        self.carry = np.zeros(0, dtype=np.float32)
        self.peaks: list[np.ndarray] = []

    def add(self, frame) -> None:
        for mono in self.resampler.resample(frame):
            self._blocks(mono.to_ndarray().reshape(-1))

    def _blocks(self, signal: np.ndarray) -> None:
        signal = np.concatenate([self.carry, signal]) if self.carry.size else signal
        whole = signal.size // WAVEFORM_BLOCK * WAVEFORM_BLOCK
        if whole:
            self.peaks.append(np.abs(signal[:whole]).reshape(-1, WAVEFORM_BLOCK).max(axis=1))
        self.carry = signal[whole:].copy()

    def bars(self) -> list[int]:
        for mono in self.resampler.resample(None):
            self._blocks(mono.to_ndarray().reshape(-1))
        if self.carry.size:
            self.peaks.append(np.abs(self.carry).max(keepdims=True))
        peaks = np.concatenate(self.peaks) if self.peaks else np.zeros(1, dtype=np.float32)
        bars = np.array([part.max() if part.size else 0.0 for part in np.array_split(peaks, WAVEFORM_BARS)])
        loudest = float(bars.max())
        if loudest <= 0:
            return [0] * WAVEFORM_BARS
        return [round(float(value)) for value in np.clip(bars / loudest * 100, 0, 100)]


class _PlaybackEncoder:
    """AAC in an M4A with the index up front (+faststart), so playback starts before the download ends."""

    def __init__(self, path: str, *, rate: int, channels: int, bit_rate: int) -> None:
        self.path = path
        self.output = av.open(path, "w", format="ipod", options={"movflags": "+faststart"})
        rate = rate if rate in AAC_RATES else 48000
        self.stream = self.output.add_stream("aac", rate=rate, layout="mono" if channels == 1 else "stereo")
        self.stream.bit_rate = bit_rate
        self.resampler = av.AudioResampler(
            format=self.stream.codec_context.format,
            layout=self.stream.codec_context.layout,
            rate=rate,
            frame_size=self.stream.codec_context.frame_size,
        )

    def add(self, frame) -> None:
        for ready in self.resampler.resample(frame):
            self.output.mux(self.stream.encode(ready))

    def finish(self) -> RenditionFile:
        for ready in self.resampler.resample(None):
            self.output.mux(self.stream.encode(ready))
        self.output.mux(self.stream.encode(None))
        self.output.close()
        return RenditionFile("playback", self.path, "audio/mp4", None, None, os.path.getsize(self.path))


OPUS_RATE = 48000
OPUS_FRAME_SAMPLES = 960  # 20 ms, what WhatsApp's own voice notes use


def to_voice_note(path: str, out_path: str, *, bit_rate: int, max_seconds: float) -> RenditionFile:
    """Any recording a browser or phone makes (WebM/Opus, MP4/AAC, OGG, WAV, MP3…) → what WhatsApp
    plays as a voice note: Ogg/Opus, mono, 48 kHz, speech-tuned. Unprocessable when it cannot be
    decoded, has no sound, or is longer than `max_seconds`."""
    with open_container(path, "recording") as container:
        if not container.streams.audio:
            raise Unprocessable("the file has no audio track")
        source = container.streams.audio[0]
        source.codec_context.thread_count = 1
        output = av.open(out_path, "w", format="ogg")
        try:
            stream = output.add_stream("libopus", rate=OPUS_RATE, layout="mono")
            stream.bit_rate = bit_rate
            stream.codec_context.options = {"application": "voip"}
            resampler = av.AudioResampler(
                format=stream.codec_context.format,
                layout="mono",
                rate=OPUS_RATE,
                frame_size=OPUS_FRAME_SAMPLES,
            )
            samples = 0
            try:
                for frame in container.decode(source):
                    for ready in resampler.resample(frame):
                        samples += ready.samples
                        if samples > max_seconds * OPUS_RATE:
                            raise Unprocessable(f"the voice note is longer than {max_seconds:g} s")
                        output.mux(stream.encode(ready))
            except (av.FFmpegError, ValueError) as exc:
                if samples == 0:
                    raise Unprocessable("the recording is damaged and cannot be decoded") from exc
            if samples == 0:
                raise Unprocessable("the recording has no sound in it")
            for ready in resampler.resample(None):
                output.mux(stream.encode(ready))
            output.mux(stream.encode(None))
        finally:
            output.close()
    return RenditionFile("original", out_path, "audio/ogg", None, None, os.path.getsize(out_path))


def to_aac(path: str, out_path: str, *, bit_rate: int, max_seconds: float) -> RenditionFile:
    """A recording WhatsApp does not play (WAV, WebM, 3GPP…) → AAC in M4A, which it does. Unprocessable
    when it cannot be decoded, has no sound, or is longer than `max_seconds`."""
    with open_container(path, "recording") as container:
        if not container.streams.audio:
            raise Unprocessable("the file has no audio track")
        source = container.streams.audio[0]
        source.codec_context.thread_count = 1
        rate, channels = source.codec_context.sample_rate or 48000, source.codec_context.channels or 2
        encoder = _PlaybackEncoder(out_path, rate=rate, channels=min(channels, 2), bit_rate=bit_rate)
        seconds = 0.0
        try:
            for frame in container.decode(source):
                seconds += frame.samples / (frame.sample_rate or rate)
                if seconds > max_seconds:
                    raise Unprocessable(f"the recording is longer than {max_seconds:g} s")
                encoder.add(frame)
        except (av.FFmpegError, ValueError) as exc:
            if not seconds:
                raise Unprocessable("the recording is damaged and cannot be decoded") from exc
        if not seconds:
            raise Unprocessable("the recording has no sound in it")
        converted = encoder.finish()
    return RenditionFile("original", out_path, "audio/mp4", None, None, converted.bytes)
