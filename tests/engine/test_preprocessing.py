"""Tests of drawing preprocessing: crop, scale into the box, frame, centre of mass, uint8."""

import numpy as np
import pytest

from engine.preprocessing import (
    Preprocessed,
    area_weights,
    centre_of_mass,
    fit_to_box,
    frame_centre,
    preprocess_drawing,
)


def ink_extent(image):
    """(rows, cols) spanned by the non-zero pixels of an image."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def disc(shape, centre, radius):
    rows, cols = np.indices(shape)
    inside = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius ** 2
    return np.where(inside, 255, 0).astype(np.uint8)


def test_off_centre_blob_ends_up_centred():
    result = preprocess_drawing(disc((280, 280), (60, 210), 30))
    assert not result.empty
    assert result.image.shape == (28, 28) and result.image.dtype == np.uint8
    assert result.bbox == (30, 180, 91, 241)
    assert ink_extent(result.fitted) == (20, 20)
    row, col = centre_of_mass(result.image.astype(np.float64))
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1
    assert result.image.max() == 255


def test_centre_of_mass_lands_within_half_a_pixel_of_the_frame_centre():
    # a lopsided "L": a bar plus a heavy foot, so its centre of mass is far from its box centre
    drawing = np.zeros((400, 300), dtype=np.uint8)
    drawing[50:350, 40:70] = 255
    drawing[290:350, 40:250] = 255
    result = preprocess_drawing(drawing)
    row, col = centre_of_mass(result.image.astype(np.float64))
    assert abs(row - frame_centre(28)) <= 0.5 + 0.05 and abs(col - frame_centre(28)) <= 0.55
    fitted_row, fitted_col = result.centre_of_mass
    assert result.shift == (round(14 - fitted_row), round(14 - fitted_col))
    assert result.shift != (0, 0)


def test_tiny_drawing_is_upscaled_to_fill_the_box():
    drawing = np.zeros((280, 280), dtype=np.uint8)
    drawing[100:103, 50:52] = 255  # 3 x 2 pixels of ink
    result = preprocess_drawing(drawing)
    assert result.bbox == (100, 50, 103, 52)
    assert result.cropped.shape == (3, 2)
    assert ink_extent(result.fitted) == (20, 13)  # 2 * 20 / 3 = 13.3
    assert ink_extent(result.image) == (20, 13)
    assert result.image.max() == 255


def test_huge_drawing_is_downscaled_to_the_box():
    # a thick ellipse outline, 1,800 tall and 1,200 wide, on a 2000 x 1500 canvas
    rows, cols = np.indices((2000, 1500))
    r = ((rows - 1000) / 900) ** 2 + ((cols - 700) / 600) ** 2
    drawing = np.where((r <= 1) & (r >= 0.8), 255, 0).astype(np.uint8)
    result = preprocess_drawing(drawing)
    height, width = ink_extent(result.image)
    assert height == 20
    assert width == round(20 * result.cropped.shape[1] / result.cropped.shape[0])
    assert width in (13, 14)
    # area averaging keeps the ring's hole: the centre of the digit stays blank
    assert result.image[14, 14] == 0


def test_empty_drawing_gives_nothing_to_classify():
    faint = np.full((100, 100), 0.04, dtype=np.float32)  # below the 5% ink threshold
    for drawing in (np.zeros((280, 280), np.uint8), faint):
        result = preprocess_drawing(drawing)
        assert result.empty is True
        assert result.image is None and result.cropped is None and result.fitted is None
        assert result.bbox is None and result.centre_of_mass is None and result.shift is None


def test_wide_bar_keeps_its_aspect_ratio():
    drawing = np.zeros((600, 800), dtype=np.uint8)
    drawing[300:330, 100:700] = 255  # 30 x 600
    result = preprocess_drawing(drawing)
    assert ink_extent(result.fitted) == (1, 20)
    assert ink_extent(result.image) == (1, 20)
    tall = np.zeros((600, 800), dtype=np.uint8)
    tall[100:400, 200:350] = 255  # 300 x 150
    assert ink_extent(preprocess_drawing(tall).image) == (20, 10)


def test_sub_threshold_smudges_do_not_grow_the_bounding_box():
    drawing = np.zeros((200, 200), dtype=np.float64)
    drawing[50:150, 90:110] = 1.0
    drawing[0:5, 0:5] = 0.03
    result = preprocess_drawing(drawing)
    assert result.bbox == (50, 90, 150, 110)
    assert preprocess_drawing(drawing, ink_threshold=0.01).bbox == (0, 0, 150, 110)


def test_a_shift_that_would_cut_ink_is_clamped():
    # With box == size the digit fills the frame top to bottom: any vertical move would cut it,
    # even though its centre of mass (a heavy bottom) is far below the middle.
    drawing = np.zeros((100, 100), dtype=np.uint8)
    drawing[0:100, 45:55] = 255
    drawing[80:100, 0:100] = 255
    result = preprocess_drawing(drawing, size=28, box=28)
    assert result.centre_of_mass[0] > 16
    assert result.shift[0] == 0
    assert result.image[0].any() and result.image[27].any()
    assert result.image.astype(np.float64).sum() == pytest.approx(
        result.fitted.sum() * 255 / result.fitted.max(), rel=1e-3)


def test_size_8_uses_a_box_of_6():
    drawing = disc((64, 64), (20, 40), 12)
    result = preprocess_drawing(drawing, size=8)
    assert result.image.shape == (8, 8) and result.fitted.shape == (8, 8)
    assert ink_extent(result.fitted) == (6, 6)
    row, col = centre_of_mass(result.image.astype(np.float64))
    assert abs(row - 4) <= 0.55 and abs(col - 4) <= 0.55
    assert preprocess_drawing(drawing, size=4).image.shape == (4, 4)


def test_uint8_float_and_bool_inputs_agree():
    drawing = disc((120, 90), (50, 40), 25)
    reference = preprocess_drawing(drawing).image.astype(int)
    for same in (drawing / 255.0, (drawing / 255).astype(np.float32), drawing.astype(np.float64),
                 drawing.astype(np.int64), drawing > 0):
        image = preprocess_drawing(same).image.astype(int)
        assert np.abs(image - reference).max() <= 1


def test_faint_strokes_are_stretched_to_full_ink():
    drawing = disc((100, 100), (50, 50), 30).astype(np.float32) * (0.3 / 255)
    result = preprocess_drawing(drawing)
    assert result.cropped.max() == pytest.approx(0.3)
    assert result.image.max() == 255


def test_area_weights_average_blocks_and_repeat_pixels():
    np.testing.assert_allclose(area_weights(6, 3), [[.5, .5, 0, 0, 0, 0], [0, 0, .5, .5, 0, 0],
                                                    [0, 0, 0, 0, .5, .5]])
    np.testing.assert_allclose(area_weights(3, 2), [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]],
                               rtol=1e-6)
    np.testing.assert_allclose(area_weights(2, 4), [[1, 0], [1, 0], [0, 1], [0, 1]])
    for n_in, n_out in ((560, 20), (3, 20), (17, 5)):
        np.testing.assert_allclose(area_weights(n_in, n_out).sum(axis=1), 1, rtol=1e-5)


def test_fit_to_box_matches_block_means_and_kron():
    rng = np.random.default_rng(0)
    crop = rng.random((40, 30)).astype(np.float32)
    expected = crop.reshape(20, 2, 15, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(fit_to_box(crop, 20), expected, rtol=1e-5)
    small = rng.random((4, 2)).astype(np.float32)
    np.testing.assert_allclose(fit_to_box(small, 20), np.kron(small, np.ones((5, 5))), rtol=1e-6)
    # ink is conserved up to the change of area
    big = rng.random((123, 77)).astype(np.float32)
    scaled = fit_to_box(big, 20)
    assert scaled.sum() == pytest.approx(big.sum() * scaled.size / big.size, rel=0.02)


@pytest.mark.parametrize("kwargs, message", [
    (dict(image=np.zeros((2, 3, 4))), "2-D"),
    (dict(image=np.full((5, 5), -1.0)), "0..1 or 0..255"),
    (dict(image=np.full((5, 5), 300.0)), "0..1 or 0..255"),
    (dict(image=np.full((5, 5), np.nan)), "nan"),
    (dict(image=np.ones((5, 5)), size=3), "size must be at least 4"),
    (dict(image=np.ones((5, 5)), box=29), "box must be between"),
    (dict(image=np.ones((5, 5)), ink_threshold=1.0), "ink_threshold"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        preprocess_drawing(**kwargs)


@pytest.mark.real_data
def test_upscaled_mnist_digits_come_back_as_themselves(mnist):
    errors = []
    for original in mnist.test_images[:200]:
        result = preprocess_drawing(np.kron(original, np.ones((10, 10), np.uint8)))
        image = result.image.astype(np.float64)
        errors.append(np.abs(image - original).mean())
        row, col = centre_of_mass(image)
        assert abs(row - 14) <= 0.55 and abs(col - 14) <= 0.55
        height, width = ink_extent(image)
        assert max(height, width) in (19, 20)
    # most digits come back pixel for pixel; a few move by one pixel when rounding the shift
    assert np.median(errors) < 0.01
    assert np.mean(errors) < 0.1 and max(errors) < 1.0


def test_preprocessed_is_a_frozen_dataclass():
    result = preprocess_drawing(disc((50, 50), (25, 25), 10))
    assert isinstance(result, Preprocessed)
    with pytest.raises(AttributeError):
        result.empty = True


def test_measure_framing_finds_the_box_and_centre_of_a_dataset():
    from engine.preprocessing import Framing, measure_framing, preprocess_framed
    images = np.zeros((5, 8, 8), dtype=np.uint8)
    images[:, 0:8, 1:7] = 255                     # every digit fills the height, 6 wide
    framing = measure_framing(images)
    assert framing == Framing(8, 8, (3.5, 3.5))
    result = preprocess_framed(disc((280, 280), (100, 140), 60), framing)
    assert ink_extent(result.image) == (8, 8) and result.centre == (3.5, 3.5)
    assert "fills the frame" in framing.describe() and "8×8" in framing.describe()


def test_the_offline_digits_fill_their_frame_and_mnist_keeps_its_recipe():
    from engine.files.sources import load_offline_digits
    from engine.preprocessing import default_framing, measure_framing
    framing = measure_framing(load_offline_digits().train_images)
    assert (framing.size, framing.box) == (8, 8)
    assert default_framing(28).box == 20 and default_framing(28).centre == (14, 14)
    assert "20×20" in default_framing(28).describe()
