from nlp.normalize import detect_legacy_encoding, normalize, segment, unify_tone_marks


def test_tone_marks_unified_to_one_placement():
    assert unify_tone_marks("Hoà bình, thuý, khoẻ, HOÀ") == "Hòa bình, thúy, khỏe, HÒA"
    # closed syllables and "qu" are left alone
    assert unify_tone_marks("hoàn thành, huỳnh, quý, Quý") == "hoàn thành, huỳnh, quý, Quý"
    assert normalize("hoà").folded == normalize("hòa").folded == "hoa"


def test_nfd_input_becomes_nfc():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Tiêm vắc xin")
    assert normalize(nfd).text == "Tiêm vắc xin"


def test_shorthand_expanded_for_features_only():
    n = normalize("Ko đc ra đường, bn người? ntn vs mn. Giá 50k lúc 8h")
    assert n.features.startswith("không được ra đường, bao nhiêu người? như thế nào với mọi người")
    assert "50k" in n.features and "8h" in n.features  # not shorthand inside tokens
    assert n.text.startswith("Ko đc")  # the display text keeps what the author wrote


def test_placeholders_are_counted_and_emoji_kept():
    n = normalize("Gọi 0912 345 678 hoặc +84912345678, xem https://x.vn/a?b=1 hoặc bit.ly/abc, mail a.b@gmail.com 😡")
    assert (n.phones, n.urls, n.emails) == (2, 2, 1)
    assert "<phone>" in n.text and "<url>" in n.text and "<email>" in n.text
    assert "😡" in n.text
    assert "0912" not in n.text


def test_legacy_encodings_detected_not_plain_text():
    assert detect_legacy_encoding("Vieät Nam Ñaø Naüng thaønh phoá Hoà Chí Minh") == "vni"
    assert detect_legacy_encoding("ViÖt Nam §µ N½ng thµnh phè Hå ChÝ Minh") == "tcvn3"
    assert detect_legacy_encoding("Việt Nam, Đà Nẵng, thành phố Hồ Chí Minh, món bánh mì") is None
    assert detect_legacy_encoding("Ông Müller đến Hà Nội hôm qua để dự hội nghị về y tế") is None
    assert normalize("Vieät Nam Ñaø Naüng thaønh phoá").legacy_encoding == "vni"


def test_empty_and_none_do_not_raise():
    for value in (None, "", "   "):
        n = normalize(value)
        assert n.text == "" and n.folded == ""


def test_segment_joins_words():
    out = segment(["Tiêm vắc xin tại Hà Nội", ""])
    assert out[1] == ""
    assert "Hà_Nội" in out[0]
