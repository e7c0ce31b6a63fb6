"""Refinements: what is done to a generator's samples before they are returned, by name.

A refinement takes the decoded synthetic samples of one draw and returns
them changed (never the real data). :data:`REFINEMENTS` maps each name to
its :class:`Refinement`; ``GANOverSampler(refine=NAME)`` picks one.

``proximity-safe`` (tables) is the default; it builds on ``interpolate``.

``interpolate`` (tables): each synthetic row is pulled towards its nearest real row of
the same class, ``x = x_real + u * (x_gan - x_real)`` with ``u ~ U(0, 1)``.
The GAN chooses the direction and reach; the real neighbour anchors the
sample to where that class actually lives. On small minorities, where a GAN
cannot learn the class support well, this keeps SMOTE's locality while the
directions still come from the learned distribution.

``interpolate-mixed`` (tables): the same, with the nearest real row found by a
distance that counts categorical columns (:class:`MixedSpace`), as SMOTE-NC
and HVDM do; ``interpolate`` looks at numeric columns only.

``proximity`` (tables): of :data:`CANDIDATES` GAN samples per row wanted,
rows are kept over ProWSyn's proximity levels of their real anchors (Barua
et al. 2013), weighted towards the minority rows nearest the other classes,
then interpolated.

``interpolate-safe`` and ``proximity-safe`` (tables): every candidate is
interpolated; those whose :data:`PURITY_NEIGHBOURS` nearest real rows are all
of other classes are dropped; the rows wanted are kept uniformly or over the
proximity levels. Dropping the rows that land among other classes is what
raises the minority's precision (docs: benchmarks, tables).

The real rows a refinement compares with (:class:`Reference`) are a seeded
sample of :data:`REFERENCE_ROWS` per grown class, and the proximity levels
are found against at most :data:`LEVEL_OTHERS` rows of the other classes:
every drawn row is compared with every reference row, so this keeps a
million-row table's draw in minutes. Smaller classes keep every row.

``augment`` (images): each synthetic image gets a random label-preserving
transform (:func:`default_transform`: small shifts, rotations and scales,
mild elastic warps, brightness and contrast; needs albumentations). The GAN
adds new shapes, the transforms add the poses a handful of real images
cannot show.
"""

from ganaug.refinements.images import augment_images, augment_one, default_transform
from ganaug.refinements.neighbours import (
    BRUTE_FORCE_ROWS,
    MixedSpace,
    fit_proximity,
    interpolate_towards_real,
    nearest_rows,
    proximity_levels,
)
from ganaug.refinements.refine import (
    CANDIDATES,
    LEVEL_OTHERS,
    OTHERS,
    PURITY_NEIGHBOURS,
    REFERENCE_ROWS,
    REFINEMENTS,
    THETA,
    Reference,
    Refinement,
    get_refinement,
    others_nearer_than_own,
)

__all__ = ["BRUTE_FORCE_ROWS", "CANDIDATES", "LEVEL_OTHERS", "OTHERS", "PURITY_NEIGHBOURS", "REFERENCE_ROWS",
           "REFINEMENTS", "THETA",
           "MixedSpace", "Reference", "Refinement", "augment_images", "augment_one", "default_transform",
           "fit_proximity", "get_refinement", "interpolate_towards_real", "nearest_rows",
           "others_nearer_than_own", "proximity_levels"]
