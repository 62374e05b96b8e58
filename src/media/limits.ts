import type { Config } from '../config';
import { parseDuration } from '../domain/time';
import type { VideoLimits } from '../domain/video';

/** The lesson video limits this deployment is configured with (VIDEO_MAX_*). */
export function videoLimits(config: Config): VideoLimits {
  return {
    maxDurationSeconds: parseDuration(config.VIDEO_MAX_DURATION) / 1000,
    maxLongSide: config.VIDEO_MAX_LONG_SIDE,
    maxShortSide: config.VIDEO_MAX_SHORT_SIDE,
    maxFramesPerSecond: config.VIDEO_MAX_FPS,
    maxBitRateKbps: config.VIDEO_MAX_BITRATE_KBPS,
  };
}
