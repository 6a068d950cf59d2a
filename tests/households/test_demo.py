from households.demo import create_demo_households
from households.models import Household


def test_demo_households_are_made_once_through_the_service(personas):
    made = create_demo_households(count=30)
    again = create_demo_households(count=30)

    assert made == 30
    assert again == 0
    assert Household.objects.count() == 30
    assert Household.objects.filter(village_id__in=["530921201200", "530921201201"]).count() == 30
    assert Household.objects.filter(quality_errors__gt=0).exists()  # the deliberate errors for the worklist
