"""Samplers that are not a GAN backend: the albumentations baseline, and the GAN + augmentation mix."""

from ganaug.baselines.albumentations import AlbumentationsOverSampler, check_image_task
from ganaug.baselines.mixed import MixedOverSampler, default_gan

__all__ = ["AlbumentationsOverSampler", "MixedOverSampler", "check_image_task", "default_gan"]
