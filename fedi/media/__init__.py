"""Media: uploads, processing (images with Pillow, video and audio with ffmpeg), storage, views."""
