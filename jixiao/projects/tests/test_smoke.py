from conftest import World


def test_performance_section_sees_all_county_projects_but_not_other_county(world: World) -> None:
    client = world.login("performance")
    response = client.get("/projects/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "一中教学设备购置" in body and "医院信息化建设" in body
    assert "外县项目" not in body
