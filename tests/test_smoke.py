async def test_start_shows_consent(make_user):
    user = make_user(language_code="nb")
    exchange = await user.send("/start")
    assert exchange.calls, "bot said nothing"
    print(exchange.text, exchange.buttons)
