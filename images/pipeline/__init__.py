"""The image import pipeline: fetch a file safely, store it, hash it and check it is qcow2."""
