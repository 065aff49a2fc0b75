#!/usr/bin/env bash
# Install Debian's ffmpeg (and ffprobe) for video/audio processing and the media tests when missing.
# Without it fedi still runs: video and audio are accepted as-is (see README, "Media").
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  exit 0
fi
echo "Installing ffmpeg for video and audio processing..."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
command -v ffmpeg
