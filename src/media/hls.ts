/**
 * HLS playlists: the peak bitrate of a media playlist (from its segments' byte ranges and durations) and the
 * multivariant ("master") playlist that lists the renditions, highest first (RFC 8216 §4.3.4.2).
 */

export interface MediaPlaylistStats {
  /** Bits per second of the most demanding segment (BANDWIDTH). */
  peakBitsPerSecond: number;
  /** Bits per second over the whole rendition (AVERAGE-BANDWIDTH). */
  averageBitsPerSecond: number;
}

/** Reads `#EXTINF:<seconds>` / `#EXT-X-BYTERANGE:<length>[@offset]` pairs of a single-file fMP4 media playlist. */
export function mediaPlaylistStats(playlist: string): MediaPlaylistStats {
  let duration: number | undefined;
  let peak = 0;
  let totalBits = 0;
  let totalSeconds = 0;
  for (const line of playlist.split(/\r?\n/)) {
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line.startsWith('#EXT-X-BYTERANGE:') && duration) {
      const bits = Number.parseInt(line.slice('#EXT-X-BYTERANGE:'.length), 10) * 8;
      peak = Math.max(peak, bits / duration);
      totalBits += bits;
      totalSeconds += duration;
      duration = undefined;
    }
  }
  return {
    peakBitsPerSecond: Math.ceil(peak),
    averageBitsPerSecond: totalSeconds > 0 ? Math.ceil(totalBits / totalSeconds) : 0,
  };
}

export interface VariantEntry extends MediaPlaylistStats {
  width: number;
  height: number;
  /** URI relative to the master playlist. */
  uri: string;
}

export function masterPlaylist(variants: readonly VariantEntry[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of [...variants].sort((a, b) => b.peakBitsPerSecond - a.peakBitsPerSecond)) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${v.peakBitsPerSecond},AVERAGE-BANDWIDTH=${v.averageBitsPerSecond},RESOLUTION=${v.width}x${v.height}`,
      v.uri,
    );
  }
  return `${lines.join('\n')}\n`;
}
