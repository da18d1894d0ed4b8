/** A stretch of a transcript with its time in the audio, in seconds. */
export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

function timestamp(seconds: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(seconds * 1000));
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const secs = Math.floor((total % 60_000) / 1000);
  return `${pad(hours)}:${pad(minutes)}:${pad(secs)}${separator}${pad(total % 1000, 3)}`;
}

/** SubRip: numbered cues, `00:00:01,000 --> 00:00:02,500`. */
export const toSrt = (segments: readonly TranscriptSegment[]): string =>
  segments.map((segment, index) => `${index + 1}\n${timestamp(segment.start, ',')} --> ${timestamp(segment.end, ',')}\n${segment.text.trim()}\n`).join('\n');

/** WebVTT: a `WEBVTT` header, then cues with `.` before the milliseconds. */
export const toVtt = (segments: readonly TranscriptSegment[]): string =>
  `WEBVTT\n\n${segments.map((segment) => `${timestamp(segment.start, '.')} --> ${timestamp(segment.end, '.')}\n${segment.text.trim()}\n`).join('\n')}`;
